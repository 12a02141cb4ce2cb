// Experiment config reader (experiment::read_config): YAML syntax, strict keys, types and values.
// Any input must give a Config or a mop::Error naming the file; never a crash, hang or other
// exception. Seeds: the shipped experiments/*.yaml (see make_seeds.sh).
// The parser is checked against a catalogue of generators of its own (the real ones would link
// every generator and llama.cpp into the fuzzer): the shipped configs' names, and settings of
// every type, some shared between generators, one filled from the labels.
#include "fuzz_util.h"
#include "mop/error.h"
#include "mop/experiment.h"

namespace {

std::vector<mop::gen::GeneratorInfo> catalogue() {
  using mop::gen::Setting;
  std::vector<mop::gen::GeneratorInfo> out(5);
  out[0].name = mop::gen::kMop;
  out[0].baseline = false;
  out[0].needs.run = true;
  out[0].settings = {Setting::integer("mix", 1, "", 1), Setting::text("gate", "learned", "")};
  out[1].name = "zerogen";
  out[2].name = "attrprompt";
  out[2].settings = {Setting::path("attributes", "")};
  out[3].name = "picle";
  out[3].settings = {Setting::integer("pool", 200, "", 1), Setting::integer("shots", 3, "", 1)};
  out[4].name = "progen";
  out[4].default_method = false;
  out[4].needs.all_labels = "progen trains a classifier";
  out[4].settings = {Setting::list("classes", "", "class"), Setting::integer("shots", 3, "", 1),
                     Setting::number("weight", 0.5, "")};
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto path = mop::fuzz::temp_path(".yaml");
  mop::fuzz::write_file(path, mop::fuzz::as_view(data, size));
  try {
    static const auto generators = catalogue();
    (void)mop::experiment::read_config(path, generators);
  } catch (const mop::Error&) {
  }
  return 0;
}
