#pragma once
// The settings of mop fit (FitOptions, with the gate's and Adam's), as recorded in a run's
// config.json and read back from it. A leaf header: readers of run directories (simulate, the
// run directory's own checks, the fuzz target) need these and nothing of the trainer.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace mop::method {

struct GateConfig {
  int dim_proj = 128;       // P
  double tau_init = 0.6;    // every tau_k starts here
  double tau_min = 0.05;
  double tau_max = 5.0;
  uint64_t seed = 0;        // initial weights are N(0, init_scale^2), drawn from this seed
  double init_scale = 0.0;  // 0 means 1 / sqrt(d)
};

struct AdamConfig {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;  // decoupled (AdamW) decay of W_x, W_g, W_e; tau is not decayed
};

struct FitOptions {
  int n_exemplars = 1000;     // N
  int top_m = 4;              // M
  // How the M pairs of a record are chosen (method/pair_choice.h, docs/method.md): "guided" scores
  // the gate's top M - G and G more pointed to by the record's own response embedding; "top-m" is
  // the paper's rule, the gate's top M.
  std::string pair_choice = "guided";
  int guided_pairs = -1;      // G; -1 = half of M, rounded up
  double guide_weight = 2.0;       // proposal sharpness, per standard deviation of response similarity
  double guide_gate_share = 0.05;  // share of the proposal that follows the gate (bounds the weights)
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
  // Token budgets (docs/method.md, "Long records"): an exemplar shown in a prompt is cut to
  // max_exemplar_tokens of the model's tokens (at a word boundary, ending " [...]"), and the cut
  // text is what the run keeps, so simulation shows the same prompts. A response longer than
  // max_response_tokens is scored on its first tokens ("cut") or left out of fitting ("skip").
  // 0: no budget. Runs from before the budgets read as 0 (they had none).
  int max_exemplar_tokens = 256;
  int max_response_tokens = 1024;
  std::string long_responses = "cut";
  // A record's context x longer than this is cut the same way (as target and as exemplar), as
  // gen::GenerationOptions::max_context_tokens cuts simulation's contexts.
  int max_context_tokens = 256;
  bool resume = false;        // continue from the newest valid checkpoint in the run directory
  bool no_exemplars = false;  // ablation: prompts carry the persona only (the gate keeps one
                              // empty exemplar, so Omega is 1 and only pi and tau are learned)
};

// The options as recorded in config.json ("options"), and back. from_json takes keys missing from
// older run directories at their defaults, except pair_choice: runs from before it was a setting
// were fitted with the paper's rule, so a missing one reads as "top-m". Types are checked by
// RunDir::read_config; a wrong one here throws mop::Error naming the key.
nlohmann::json fit_options_to_json(const FitOptions& o);
FitOptions fit_options_from_json(const nlohmann::json& j);

}  // namespace mop::method
