#pragma once
// The experiment runner (mop::experiment::run): one class whose steps live in one file each,
// in the order data flows: runner.cpp (the run, steps and models), runner_data.cpp, runner_fits.cpp
// (personas and fits), runner_sets.cpp (synthetic sets), runner_eval.cpp (evaluation).
// Each step is skipped when its output exists with the same spec (see step()).
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiment/label_parts.h"
#include "mop/dataset.h"
#include "mop/experiment.h"
#include "mop/generator.h"
#include "mop/lm.h"

namespace mop::experiment::detail {
namespace fs = std::filesystem;

// A model as a step spec records it: name, identity, chat template (and API for endpoints).
nlohmann::json model_spec(const ModelSpec& m);

class Runner {
 public:
  Runner(const Config& c, const Log& log) : c_(c), log_(log) {}
  nlohmann::json run();

 private:
  void say(const std::string& line) const;
  static std::string read_text(const fs::path& p);
  nlohmann::json resolved() const;
  nlohmann::json data_spec() const;
  nlohmann::json label_spec() const;
  // Runs `work` unless `output` already exists with the same spec. The spec is written first, so a
  // step interrupted midway is continued (its own outputs are resumable) and never mixed with a
  // step of other settings.
  void step(const std::string& what, const fs::path& output, const nlohmann::json& spec, const std::function<void()>& work);
  lm::LanguageModel& model(const std::string& name);
  const ModelSpec& model_config(const std::string& name) const;

  // --- data
  fs::path train_file() const { return c_.out / "data" / "train.jsonl"; }
  fs::path golden_file() const { return c_.out / "data" / "golden.jsonl"; }
  data::LoadOptions load_options(bool labels_required) const;
  void prepare_data();
  void resolve_labels();
  std::optional<std::string> condition_for(const std::string& label) const { return detail::condition_for(c_, label); }
  std::vector<Part> parts(bool conditioned) const { return detail::label_parts(c_, {names_, shares_}, conditioned); }
  std::vector<std::string> contexts_for(const std::optional<std::string>& label) const;

  // --- personas and fits
  fs::path personas_file(bool generic) const { return c_.out / "personas" / (generic ? "generic.jsonl" : "personas.jsonl"); }
  nlohmann::json persona_spec(bool generic) const;
  const fs::path& personas(bool generic);
  fs::path fit(const std::string& model_name, Variant variant);
  // Each fitted gate's last epoch, as its train_log.jsonl has it (the fit health table).
  nlohmann::json fit_health() const;

  // --- synthetic sets
  void produce(const SetPlan& set);
  nlohmann::json set_settings(const SetPlan& set, const gen::GeneratorInfo& info) const;
  void generate_part(const SetPlan& set, const gen::GeneratorInfo& info, const fs::path& run, const Part& part,
                     const fs::path& out);
  // The parts, in order, as one file with indices 0..n-1 (written atomically).
  static void merge(const std::vector<fs::path>& parts, const fs::path& out);

  // --- evaluation
  fs::path evaluate(const std::vector<SetPlan>& sets);

  const Config& c_;
  Log log_;
  std::map<std::string, std::unique_ptr<lm::LanguageModel>> models_;
  std::vector<data::Record> train_, golden_;
  std::vector<std::string> names_;
  std::vector<size_t> shares_;
  fs::path personas_, generic_personas_;
  std::set<std::string> fitted_;
  std::map<std::string, size_t> fit_personas_;
};

}  // namespace mop::experiment::detail
