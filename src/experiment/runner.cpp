// The experiment runner: the run in order, its steps (skipped when done with the same spec) and models.
#include "experiment/runner.h"

#include <algorithm>
#include <fstream>

#include "mop/error.h"
#include "mop/lm_open.h"
#include "mop/util/atomic_file.h"

namespace mop::experiment::detail {

nlohmann::json model_spec(const ModelSpec& m) {
  const bool http = !m.options.http.endpoints.empty();
  nlohmann::json j = {{"name", m.name}, {"model", m.identity()},
                      {"chat_template", http ? m.options.http.chat_template : m.options.llama.chat_template}};
  if (http) j["api"] = m.options.http.api;
  return j;
}

nlohmann::json Runner::run() {
  fs::create_directories(c_.out);
  util::write_file_atomic(c_.out / "config.resolved.json", resolved().dump(2) + "\n");
  prepare_data();
  const auto sets = plan_sets(c_);
  for (const auto& set : sets) produce(set);
  const fs::path metrics = evaluate(sets);
  const auto tables = make_tables(c_, sets, nlohmann::json::parse(read_text(metrics)), fit_health());
  util::write_file_atomic(c_.out / "tables.json", tables.dump(2) + "\n");
  util::write_file_atomic(c_.out / "tables.md", tables_markdown(c_, tables));
  say("tables written to " + (c_.out / "tables.md").string());
  return tables;
}

void Runner::say(const std::string& line) const {
  if (log_) log_(line);
}

std::string Runner::read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw Error("cannot read " + p.string());
  return std::string(std::istreambuf_iterator<char>(in), {});
}

nlohmann::json Runner::resolved() const {
  nlohmann::json models = nlohmann::json::array();
  for (const auto& m : c_.models) models.push_back(model_spec(m));
  return {{"config", fs::absolute(c_.file).string()}, {"name", c_.name}, {"data", data_spec()}, {"domain", c_.domain},
          {"encoder", c_.encoder}, {"models", models}, {"samples", c_.samples}, {"seeds", c_.seeds},
          {"methods", c_.methods}, {"ablations", c_.ablations}, {"mixing", c_.mixing},
          {"transfer", {{"fit", c_.transfer_fit}, {"simulate", c_.transfer_simulate}}}, {"labels", label_spec()}};
}

nlohmann::json Runner::data_spec() const {
  return {{"train", c_.data.train}, {"golden", c_.data.golden}, {"text", c_.data.text}, {"label", c_.data.label},
          {"context", c_.data.context.value_or("")}, {"max_train", c_.data.max_train},
          {"max_golden", c_.data.max_golden}, {"seed", c_.seeds.front()}};
}

nlohmann::json Runner::label_spec() const {
  return {{"mode", c_.labels.mode}, {"names", c_.labels.names}, {"conditions", c_.labels.conditions},
          {"template", c_.labels.condition_template}};
}

void Runner::step(const std::string& what, const fs::path& output, const nlohmann::json& spec, const std::function<void()>& work) {
  const fs::path spec_file = output.string() + ".spec.json";
  if (fs::exists(spec_file)) {
    nlohmann::json old;
    try {
      old = nlohmann::json::parse(read_text(spec_file));
    } catch (const nlohmann::json::exception&) {
      throw Error(spec_file.string() + ": not valid JSON; delete it and " + output.string() + " to redo the step");
    }
    if (old != spec)
      throw Error(what + ": " + output.string() + " was made with other settings (" + spec_file.string() +
                  "); delete both, or give the experiment another out folder");
    if (fs::exists(output)) {
      say(what + ": done earlier (" + output.string() + ")");
      return;
    }
  } else if (fs::exists(output)) {
    throw Error(what + ": " + output.string() + " exists but was not made by this experiment (no " + spec_file.string() +
                "); move it away");
  }
  fs::create_directories(output.parent_path());
  util::write_file_atomic(spec_file, spec.dump(2) + "\n");
  say(what + ": running");
  work();
}

lm::LanguageModel& Runner::model(const std::string& name) {
  auto it = models_.find(name);
  if (it != models_.end()) return *it->second;
  // The main model scores (fits, PICLe, persona labels); so do the models gates are fitted with.
  const bool scores = name == c_.models.front().name ||
                      std::find(c_.transfer_fit.begin(), c_.transfer_fit.end(), name) != c_.transfer_fit.end();
  for (const auto& m : c_.models)
    if (m.name == name) {
      say("opening model " + name + " (" + m.identity() + ")");
      return *models_.emplace(name, lm::open_model(m.options, {.score = scores})).first->second;
    }
  throw Error("experiment: no model named " + name);
}

const ModelSpec& Runner::model_config(const std::string& name) const {
  for (const auto& m : c_.models)
    if (m.name == name) return m;
  throw Error("experiment: no model named " + name);
}

}  // namespace mop::experiment::detail

namespace mop::experiment {

nlohmann::json run(const Config& config, const Log& log) { return detail::Runner(config, log).run(); }

}  // namespace mop::experiment
