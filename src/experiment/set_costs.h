#pragma once
// The LM work of one part of a synthetic set (one label's samples, or all of them), for the
// experiment's cost plan: what each generator (src/method/simulator.cpp, src/baselines/) asks of
// the model, with its real prompts where they can be made before the run and stand-ins where
// they depend on what the run learns (the gate's draws, PICLe's choice, ProGen's feedback).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mop/cost_plan.h"
#include "mop/dataset.h"
#include "mop/experiment.h"
#include "mop/generators.h"
#include "mop/personas.h"
#include "mop/prompts.h"

namespace mop::experiment::detail {

// What a set's prompts are made from.
struct SetInputs {
  lm::LanguageModel* lm = nullptr;  // the simulating model (or its planning stand-in)
  const method::Domain* domain = nullptr;
  std::vector<method::Persona> personas;   // the fit's (MoP) or the experiment's (PICLe)
  std::vector<method::Example> exemplars;  // the fit's pool, as prompts show it (MoP)
  const std::vector<data::Record>* train = nullptr;
  method::ScoreShape shape;
  GenerationSpec generation;
};

// One part: n samples under one condition (or none), about these contexts.
struct PartInputs {
  size_t n = 0;
  std::string condition;
  std::vector<std::string> contexts;
  uint64_t seed = 0;
};

// The part's LM work; `notes` gets what is a stand-in or a bound, in words.
method::LmWork set_part_work(const SetPlan& set, const gen::GeneratorInfo& info, const nlohmann::json& settings,
                             const SetInputs& in, const PartInputs& part, std::vector<std::string>& notes);

}  // namespace mop::experiment::detail
