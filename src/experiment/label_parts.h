#pragma once
// How an experiment splits a set's samples by label, shared by the run (runner.cpp) and its cost
// plan (cost_plan.cpp) so the plan counts exactly the parts the run generates.
#include <optional>
#include <string>
#include <vector>

#include "mop/dataset.h"
#include "mop/experiment.h"
#include "mop/generators.h"

namespace mop::experiment::detail {

// One part of a set: the samples generated under one label condition (or all of them).
struct Part {
  std::optional<std::string> label;
  std::string condition;
  size_t n = 0;
};

// Label names (given, or those of the training data) and each one's share of a set's samples:
// proportional to the training data, as the population they are drawn from. Empty when the
// config's labels are off. Throws mop::Error naming the config for a label the data lacks.
struct LabelShares {
  std::vector<std::string> names;
  std::vector<size_t> shares;
};
LabelShares resolve_labels(const Config& c, const std::vector<data::Record>& train);

// The condition a label is generated under: labels.conditions, else labels.condition_template.
std::optional<std::string> condition_for(const Config& c, const std::string& label);

// Label parts: one per label generated under its condition, or one unconditioned part.
std::vector<Part> label_parts(const Config& c, const LabelShares& labels, bool conditioned);

// The golden contexts of a label (all golden contexts when it has none); empty without a context field.
std::vector<std::string> contexts_for(const Config& c, const std::vector<data::Record>& golden,
                                      const std::optional<std::string>& label);

// The generator's own settings for one set: the config's (baselines) and the set's (MoP's mixing
// level and gate), normalised against the generator's declared settings (errors name METHOD.KEY).
nlohmann::json set_settings(const Config& c, const SetPlan& set, const gen::GeneratorInfo& info);
// Every label with its condition, for a generator that needs them all (none for the others).
std::vector<gen::LabelCondition> set_classes(const Config& c, const LabelShares& labels, const SetPlan& set,
                                             const gen::GeneratorInfo& info);

}  // namespace mop::experiment::detail
