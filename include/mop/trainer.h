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
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mop/dataset.h"
#include "mop/embed.h"
#include "mop/gate.h"
#include "mop/lm.h"
#include "mop/personas.h"
#include "mop/run_dir.h"

namespace mop::method {

struct FitOptions {
  int n_exemplars = 1000;     // N
  int top_m = 4;              // M
  // How the M pairs of a record are chosen (method/pair_choice.h, docs/method.md): "guided" scores
  // the gate's top M - G and G more pointed to by the record's own response embedding; "top-m" is
  // the paper's rule, the gate's top M.
  std::string pair_choice = "guided";
  int guided_pairs = -1;      // G; -1 = half of M, rounded up
  double guide_weight = 2.0;  // nats per standard deviation of response similarity
  int epochs = 3;
  int batch_size = 32;
  double val_fraction = 0.1;  // held out for validation...
  int max_val = 200;          // ...at most this many records
  int reference_pairs = 4;    // R, for the uniform and no-exemplar references
  double tau_tolerance = 0.02;  // reuse a cached score while tau moved less than this
  std::string domain = "generic";
  uint64_t seed = 0;
  GateConfig gate;
  AdamConfig adam{1e-2};
  bool resume = false;        // continue from the newest valid checkpoint in the run directory
  bool no_exemplars = false;  // ablation: prompts carry the persona only (the gate keeps one
                              // empty exemplar, so Omega is 1 and only pi and tau are learned)
};

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
  size_t lm_pairs = 0, lm_tokens = 0;  // scored by the LM this epoch (cache misses)
  double seconds = 0;
};

using EpochCallback = std::function<void(const EpochReport&)>;
using StepCallback = std::function<void(size_t done, size_t total)>;

// Trains and writes the run directory. Throws mop::Error on bad settings (K larger than the data,
// M larger than K*N, ...), naming the setting.
void fit(const RunDir& run, FitInputs inputs, const FitOptions& options, const StepCallback& on_step = {},
         const EpochCallback& on_epoch = {});

// The options as recorded in config.json, and back.
nlohmann::json fit_options_to_json(const FitOptions& o);

}  // namespace mop::method
