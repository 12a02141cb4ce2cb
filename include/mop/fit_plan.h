#pragma once
// The cost plan of one `mop fit` (mop/cost_plan.h): per epoch, the LM requests and tokens the
// trainer will score, counted the way src/method/trainer.cpp makes them. Requests and
// continuation tokens are exact counts of the real records (budgets applied, the same split and
// exemplar pool); prompt tokens are counted on the real prompts of sampled batches, with stand-in
// pairs for the ones the gate will choose.
#include <optional>
#include <string>
#include <vector>

#include "mop/cost_plan.h"
#include "mop/dataset.h"
#include "mop/fit_options.h"
#include "mop/lm.h"
#include "mop/personas.h"
#include "mop/prompts.h"

namespace mop::method {

struct FitPlanInputs {
  std::vector<data::Record> records;  // as fit gets them (after --max-records)
  std::vector<Persona> personas;      // the real ones, or stand-ins when they are not made yet
  lm::LanguageModel* lm = nullptr;    // renders prompts and counts tokens (the model, or a stand-in)
  FitOptions options;
  ScoreShape shape;
};

struct FitPlan {
  std::vector<LmWork> epochs;           // one per epoch: training batches + validation
  size_t train = 0, val = 0;            // records in each part of the split
  size_t responses_cut = 0, responses_skipped = 0;
  std::vector<Example> exemplars;       // the pool as prompts will show it (budgets applied)
  std::vector<std::string> responses;   // the records' responses as scored (budgets applied)
  ProbeSample probe;                    // requests of the first batch, for probe_rates
  std::vector<std::string> notes;       // what is estimated or bounded, in words
};

// Throws mop::Error for settings fit itself refuses (too few records, M > K x (N - 1), ...).
FitPlan plan_fit(const FitPlanInputs& in);

// The planned epochs as steps named "NAME epoch E" (status "to run"), each with the fit's notes.
std::vector<PlannedStep> fit_steps(const FitPlan& plan, const std::string& name, const std::string& model);

}  // namespace mop::method
