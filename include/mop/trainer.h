#pragma once
// mop fit: trains the gating network of Mixture of Personas against a frozen language model.
//
// Data: records split (seeded) into training and held-out validation; N exemplars drawn from the
// training records. For each training record: gate forward with the record's own exemplar masked,
// M (persona, exemplar) pairs, their LM scores log p^tau_k(y | persona, exemplar, x) in one
// batched, prefix-shared call per mini-batch (cached, see score_cache.h), the loss
// -logsumexp_m(log pi + log Omega + s_m), and an Adam step per mini-batch.
//
// Which M pairs: the paper's top M by gate weight, or (the default) some of those plus pairs pointed
// to by the record's response embedding (method/pair_choice.h).
//
// Each epoch logs the mean training loss and three held-out log-likelihoods per record:
//   val_ll            the fitted gate: logsumexp over its M chosen pairs (a lower bound of the mixture)
//   val_ll_uniform    uniform gates: log of the mean likelihood over R random (persona, exemplar)
//                     pairs at tau_init (an estimate of the uniform mixture)
//   val_ll_no_exemplar personas without exemplars: log mean over R random personas at tau_init
// The gate is working when val_ll rises above both references.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mop/dataset.h"
#include "mop/embed.h"
#include "mop/fit_options.h"
#include "mop/gate.h"
#include "mop/lm.h"
#include "mop/personas.h"
#include "mop/run_dir.h"

namespace mop::method {

struct FitInputs {
  std::vector<data::Record> records;
  std::vector<Persona> personas;
  std::shared_ptr<embed::Encoder> encoder;  // fitted on the records here if it fits_corpus()
  lm::LanguageModel* lm = nullptr;
  nlohmann::json provenance;  // recorded in config.json (data path, model, ...)
};

struct EpochReport {
  int epoch = 0;
  double train_loss = 0, val_ll = 0, val_ll_uniform = 0, val_ll_no_exemplar = 0;
  double cache_hit_rate = 0;
  // How spread the fitted population is, as simulation samples it over the training contexts:
  // exp(entropy) of the mean pair weights pi_k Omega_kj, and of the mean persona weights pi_k.
  double effective_pairs = 0, effective_personas = 0;
  double exemplars_per_persona = 0;  // exp(entropy) of each persona's mean Omega, weighted by its share
  double tau_min = 0, tau_max = 0;   // range of the personas' temperatures
  double one_persona_share = 0;      // records whose gate's top M pairs all have one persona
  size_t lm_pairs = 0, lm_tokens = 0;  // scored by the LM this epoch (cache misses)
  // Token budgets (FitOptions::max_*_tokens), the same every epoch: exemplars cut, responses cut
  // or left out of fitting.
  size_t exemplars_cut = 0, responses_cut = 0, responses_skipped = 0;
  double seconds = 0;
};

using EpochCallback = std::function<void(const EpochReport&)>;
using StepCallback = std::function<void(size_t done, size_t total)>;

// Trains and writes the run directory. Throws mop::Error on bad settings (K larger than the data,
// M larger than K*N, ...), naming the setting.
void fit(const RunDir& run, FitInputs inputs, const FitOptions& options, const StepCallback& on_step = {},
         const EpochCallback& on_epoch = {});

// What the token budgets did, in words ("12 exemplars cut to 256 tokens; ..."); "" when nothing.
std::string token_budget_summary(size_t exemplars_cut, size_t responses_cut, size_t responses_skipped, const FitOptions& o);

// A plain-words warning when the fitted gate collapsed (fewer than 2 effective personas of 8 or
// more), naming what to try (for the options it was fitted with); nullopt when it did not.
std::optional<std::string> collapse_warning(const EpochReport& last, int n_personas, const FitOptions& fitted);


}  // namespace mop::method
