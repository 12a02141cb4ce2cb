// Label shares, conditions, parts and contexts of an experiment's sets (experiment/label_parts.h).
#include "experiment/label_parts.h"

#include <map>

#include "mop/error.h"
#include "mop/simulator.h"

namespace mop::experiment::detail {

LabelShares resolve_labels(const Config& c, const std::vector<data::Record>& train) {
  LabelShares out;
  if (c.labels.mode == "none") return out;
  out.names = c.labels.names;
  std::map<std::string, size_t> counts;
  for (const auto& r : train)
    if (r.label) ++counts[*r.label];
  if (out.names.empty())
    for (const auto& [name, n] : counts) out.names.push_back(name);
  std::vector<size_t> sizes;
  for (const auto& n : out.names) {
    if (!counts.count(n))
      throw Error(c.file.string() + ": labels.names: '" + n + "' does not occur in the training data " + c.data.train);
    sizes.push_back(counts[n]);
  }
  if (out.names.size() < 2) throw Error(c.file.string() + ": labels: the training data has fewer than 2 labels");
  out.shares = data::stratified_allocation(sizes, c.samples);
  return out;
}

std::optional<std::string> condition_for(const Config& c, const std::string& label) {
  for (const auto& [l, cond] : c.labels.conditions)
    if (l == label) return cond;
  if (c.labels.condition_template.empty()) return std::nullopt;
  std::string s = c.labels.condition_template;
  s.replace(s.find("{label}"), 7, label);
  return s;
}

std::vector<Part> label_parts(const Config& c, const LabelShares& labels, bool conditioned) {
  if (!conditioned || c.labels.mode == "none") return {{std::nullopt, "", c.samples}};
  std::vector<Part> out;
  for (size_t i = 0; i < labels.names.size(); ++i) {
    const auto cond = condition_for(c, labels.names[i]);
    if (!cond)
      throw Error(c.file.string() + ": labels.conditions has no condition for label '" + labels.names[i] +
                  "' (give one, or labels.condition_template)");
    if (labels.shares[i] > 0) out.push_back({labels.names[i], *cond, labels.shares[i]});
  }
  return out;
}

std::vector<std::string> contexts_for(const Config& c, const std::vector<data::Record>& golden,
                                      const std::optional<std::string>& label) {
  std::vector<std::string> out;
  if (!c.data.context) return out;
  for (const auto& r : golden)
    if (r.context && (!label || r.label == label)) out.push_back(*r.context);
  if (out.empty())
    for (const auto& r : golden)
      if (r.context) out.push_back(*r.context);
  return out;
}

nlohmann::json set_settings(const Config& c, const SetPlan& set, const gen::GeneratorInfo& info) {
  nlohmann::json given = nlohmann::json::object();
  if (const auto it = c.settings.find(set.method); it != c.settings.end()) given = it->second;
  if (info.needs.run) {
    given["mix"] = set.mix;
    if (set.variant == Variant::random_personas) {
      given["gate"] = method::gate_mode_name(method::GateMode::random_similar);
      given["similar_k"] = c.similar_k;
    }
  }
  return gen::normalize_settings(info, given, [&](const gen::Setting& s) { return set.method + "." + s.key; });
}

std::vector<gen::LabelCondition> set_classes(const Config& c, const LabelShares& labels, const SetPlan& set,
                                             const gen::GeneratorInfo& info) {
  std::vector<gen::LabelCondition> classes;
  if (info.needs.all_labels.empty()) return classes;
  for (const auto& name : labels.names) {
    const auto cond = condition_for(c, name);
    if (!cond)
      throw Error(c.file.string() + ": labels.conditions has no condition for label '" + name + "' (" + set.method +
                  " generates under each label's condition)");
    classes.push_back({name, *cond});
  }
  return classes;
}

}  // namespace mop::experiment::detail
