// fit_health (mop/eval_run.h): the fitted gates behind the synthetic sets, read from their run
// folders' documented files (personas.jsonl, train_log.jsonl; docs/method.md), so a report shows
// beside the distances whether the gate had collapsed onto few personas.
#include <filesystem>
#include <fstream>

#include "mop/eval_run.h"

namespace mop::eval {
namespace {

std::size_t lines_of(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) n += !line.empty();
  return n;
}

nlohmann::json health_of(const std::string& set, const std::string& run) {
  nlohmann::json row = {{"set", set}, {"run", run}};
  const std::filesystem::path dir = run;
  std::ifstream log(dir / "train_log.jsonl");
  std::string line, last;
  while (std::getline(log, line))
    if (!line.empty()) last = line;
  const auto epoch = nlohmann::json::parse(last, nullptr, false);
  if (last.empty() || epoch.is_discarded() || !epoch.is_object()) {
    row["note"] = "no readable train_log.jsonl in " + run;
    return row;
  }
  row["personas"] = lines_of(dir / "personas.jsonl");
  for (const char* key : {"epoch", "effective_personas", "exemplars_per_persona", "tau_min", "tau_max",
                          "one_persona_share", "val_ll"})
    if (epoch.contains(key)) row[key] = epoch[key];
  row["collapsed"] = row["personas"].get<std::size_t>() >= 8 && epoch.value("effective_personas", 0.0) < 2;
  return row;
}

}  // namespace

nlohmann::json fit_health(const std::vector<EvalSet>& sets) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : sets)
    for (const auto& run : s.runs) out.push_back(health_of(s.name, run));
  return out;
}

}  // namespace mop::eval
