// CLI JSONL inputs (util::read_jsonl_objects): whole file, then the typed field accessors on
// every object, as the commands use them.
#include "fuzz_util.h"
#include "mop/error.h"
#include "mop/util/jsonl.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = mop::fuzz::temp_path(".jsonl").string();
  mop::fuzz::write_file(path, mop::fuzz::as_view(data, size));
  try {
    for (const auto& line : mop::util::read_jsonl_objects(path)) {
      try {
        (void)line.optional_string("id");
        (void)line.optional_number("weight");
        (void)mop::util::dump_json_line(line.value);
        (void)line.string_field("prompt");
      } catch (const mop::Error&) {
      }
    }
  } catch (const mop::Error&) {
  }
  return 0;
}
