#pragma once
// The cost plan of `mop experiment CONFIG --plan` (mop/cost_plan.h): every step the run would
// take, in its order (data, personas, each fit epoch, each synthetic set, the evaluation), with
// the LM requests and tokens it will score and generate and an estimated time from a short probe
// of each in-process model. Steps whose output is already in OUT are "done (skipped)". Nothing is
// written: OUT is read, never created.
#include <map>
#include <string>
#include <vector>

#include "mop/cost_plan.h"
#include "mop/experiment.h"

namespace mop::experiment {

struct CostPlan {
  std::vector<method::PlannedStep> steps;
  std::map<std::string, method::LmRates> rates;  // by model name
};

// Opens each in-process model the run uses (to render prompts, count tokens and probe it); sends
// nothing to endpoints, whose counts then use about four characters a token and whose time is
// unknown. `log` hears what the plan is doing (opening, probing).
CostPlan plan_costs(const Config& config, const Log& log = {});

}  // namespace mop::experiment
