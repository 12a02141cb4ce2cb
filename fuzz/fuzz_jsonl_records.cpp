// JSONL dataset records (data::load's JSONL reader), fed in memory. The first byte picks the field
// roles so that required-field, label and id paths are all reached; mop::Error is the expected
// outcome for bad input, anything else (crash, sanitizer report, other exception) is a bug.
#include "data/readers.h"
#include "fuzz_util.h"
#include "mop/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  mop::data::LoadOptions opt;
  opt.skip_bad = data[0] & 1;
  if (data[0] & 2) opt.context_field = "context";
  if (data[0] & 4) opt.label_field = "label";
  if (data[0] & 8) opt.id_field = "id";
  try {
    mop::data::detail::RecordSink sink("fuzz.jsonl", opt);
    mop::data::detail::read_jsonl(mop::fuzz::as_view(data + 1, size - 1), sink);
    (void)sink.finish();
  } catch (const mop::Error&) {
  }
  return 0;
}
