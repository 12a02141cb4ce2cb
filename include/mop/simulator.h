#pragma once
// mop simulate: draws a synthetic population from a fitted run directory.
// For sample i (its own random stream, derived from the seed and i):
//   x   = contexts[i mod C] (or none),
//   c   ~ pi(x), h ~ Omega_c(x) (L such pairs when mixing),
//   y   ~ LM(persona c, exemplar h, x) at temperature tau_c.
// With mixing (L > 1) the LM first merges the L personas into one (greedy), and the prompt shows
// the L exemplars; the temperature is the mean of the L personas' tau.
// Output JSONL, one line per sample in index order: index, text, context, label, provenance
// (persona ids, exemplar ids, tau, seed, model, run). A sample's label is --label, else the
// condition, else its (first) persona's label when personas are labelled (topic data). Resumable: finished chunks go to OUT.partial
// and a rerun of the same command continues; the final file is written atomically.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mop/embed.h"
#include "mop/lm.h"
#include "mop/run_dir.h"

namespace mop::method {

struct SimulateOptions {
  size_t n = 100;
  uint64_t seed = 0;
  int max_tokens = 128;
  double top_p = 1.0;
  std::vector<std::string> stop;
  std::string condition;             // extra instruction, e.g. "You had a positive impression."
  std::optional<std::string> label;  // stored as each record's label (default: the condition)
  int mix = 1;                       // L
  std::vector<std::string> contexts;
  size_t chunk = 64;                 // samples per generation call (and per resumable chunk)
  // Ablation: "random-similar" ignores the fitted gate: personas uniformly at random, the exemplar
  // uniformly among the `similar_k` exemplars nearest to the persona (plus the context, if any) in
  // the encoder's space, and tau = the run's tau_init.
  std::string gate = "learned";  // learned | random-similar
  int similar_k = 10;
};

// `encoder` must be the kind the run was fitted with; its fitted state is loaded from the run.
void simulate(const RunDir& run, embed::Encoder& encoder, lm::LanguageModel& lm, const std::filesystem::path& out,
              const SimulateOptions& options, const lm::Progress& progress = {});

}  // namespace mop::method
