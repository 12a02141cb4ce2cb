// The text files of a run directory, as mop simulate and fit --resume read them: config.json
// (RunDir::read_config, with its unknown-key check), exemplars.jsonl, personas.jsonl or a .txt
// personas file, and train_log.jsonl; and a stored evaluation result (eval's sets/KEY.json), which
// must be found whole or not at all. Byte 0 picks the file; the rest is its content.
#include <cstdlib>
#include <filesystem>

#include "fuzz_util.h"
#include "mop/error.h"
#include "mop/eval_store.h"
#include "mop/personas.h"
#include "mop/run_dir.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const auto root = [] {
    auto p = mop::fuzz::temp_path("_run");
    std::filesystem::create_directories(p);
    return p;
  }();
  const mop::method::RunDir run(root);
  const auto body = mop::fuzz::as_view(data + 1, size - 1);
  try {
    switch (data[0] % 6) {
      case 0: {
        mop::fuzz::write_file(run.config(), body);
        const auto config = run.read_config();
        (void)config.at("options");  // read_config promises it is there
        break;
      }
      case 1:
        mop::fuzz::write_file(run.exemplars(), body);
        for (const auto& e : run.read_exemplars()) (void)e.text.size();
        break;
      case 2:
        mop::fuzz::write_file(run.personas(), body);
        for (const auto& p : mop::method::read_personas(run.personas())) (void)p.text.size();
        break;
      case 3:
        mop::fuzz::write_file(root / "personas.txt", body);
        for (const auto& p : mop::method::read_personas(root / "personas.txt")) (void)p.text.size();
        break;
      case 4:
        mop::fuzz::write_file(run.train_log(), body);
        (void)run.read_log();
        break;
      case 5: {
        mop::fuzz::write_file(root / "sets" / "k.json", body);
        mop::eval::DirectoryStore store(root / "sets");
        if (const auto found = store.find("k")) {
          // What was accepted converts back to the same JSON: nothing half-read.
          const auto j = mop::eval::set_result_to_json(*found);
          if (mop::eval::set_result_to_json(mop::eval::set_result_from_json(j)) != j) std::abort();
        }
        break;
      }
    }
  } catch (const mop::Error&) {
  }
  return 0;
}
