// CSV/TSV: the record splitter alone (every row drained) and the full reader behind data::load.
// The first byte picks the delimiter and options.
#include "data/csv_parser.h"
#include "data/readers.h"
#include "fuzz_util.h"
#include "mop/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const char delim = (data[0] & 1) ? '\t' : ',';
  const std::string_view in = mop::fuzz::as_view(data + 1, size - 1);

  mop::data::detail::CsvParser parser(in, delim);
  mop::data::detail::CsvRow row;
  size_t rows = 0;
  while (parser.next(row)) {
    if (++rows > in.size() + 1) __builtin_trap();  // each record consumes input: no endless loop
  }

  mop::data::LoadOptions opt;
  opt.skip_bad = data[0] & 2;
  if (data[0] & 4) opt.label_field = "label";
  try {
    mop::data::detail::RecordSink sink("fuzz.csv", opt);
    mop::data::detail::read_delimited(in, delim, sink);
    (void)sink.finish();
  } catch (const mop::Error&) {
  }
  return 0;
}
