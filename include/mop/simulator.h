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
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mop/embed.h"
#include "mop/generator.h"
#include "mop/lm.h"
#include "mop/run_dir.h"

namespace mop::method {

// How each sample's persona and exemplar are drawn.
//   learned:        from the fitted gate, c ~ pi(x), h ~ Omega_c(x), at temperature tau_c.
//   random_similar: ablation ignoring the gate: personas uniformly at random, the exemplar
//                   uniformly among the `similar_k` exemplars nearest to the persona (plus the
//                   context, if any) in the encoder's space, at the run's tau_init. The CLI and
//                   the JSON spell it "random-similar"; experiments call the ablation random_personas.
enum class GateMode { learned, random_similar };
GateMode parse_gate_mode(const std::string& name);  // "learned" | "random-similar"; throws mop::Error
std::string gate_mode_name(GateMode mode);

struct SimulateOptions : gen::GenerationOptions {
  int mix = 1;  // L
  GateMode gate = GateMode::learned;
  int similar_k = 10;
};

// `encoder` must be the kind the run was fitted with; its fitted state is loaded from the run.
// MoP as a Generator (options' shared part is run_generator's): loads and checks the run first.
std::unique_ptr<gen::Generator> mop_generator(const RunDir& run, embed::Encoder& encoder, lm::LanguageModel& lm,
                                              const SimulateOptions& options);
// MoP's registry entry (mop/generators.h): needs a run and its encoder; settings mix, gate and
// similar_k as in SimulateOptions.
gen::GeneratorInfo mop_generator_info();
// mop_generator run through gen::run_generator.
void simulate(const RunDir& run, embed::Encoder& encoder, lm::LanguageModel& lm, const std::filesystem::path& out,
              const SimulateOptions& options, const lm::Progress& progress = {});

}  // namespace mop::method
