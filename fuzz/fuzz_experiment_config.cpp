// Experiment config reader (experiment::read_config): YAML syntax, strict keys, types and values.
// Any input must give a Config or a mop::Error naming the file; never a crash, hang or other
// exception. Seeds: the shipped experiments/*.yaml (see make_seeds.sh).
#include "fuzz_util.h"
#include "mop/error.h"
#include "mop/experiment.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto path = mop::fuzz::temp_path(".yaml");
  mop::fuzz::write_file(path, mop::fuzz::as_view(data, size));
  try {
    (void)mop::experiment::read_config(path);
  } catch (const mop::Error&) {
  }
  return 0;
}
