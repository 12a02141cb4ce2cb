#pragma once
// The baselines' own parts. Each baseline is a gen::Generator in its own file, registered in
// mop/generators.h and run through gen::run_generator like MoP: a synthetic JSONL (index, text,
// context, label, provenance{method, model, seed, temperature, ...}), exactly n records, the same
// file for the same seed, resumable through OUT.partial.
//   zerogen:    the plain (label- or context-conditioned) prompt, no persona, no exemplar.
//   attrprompt: per sample, one value of each attribute (subtopic, length, style, ...) drawn at
//               random and written into the prompt.
//   picle:      per persona, the K candidates y with the highest log p(y | persona) - log p(y)
//               become its in-context examples; each sample draws a persona uniformly.
//   progen:     rounds of label-conditioned generation; after each, a classifier trained on the
//               samples so far scores each one's helpfulness (mop/influence.h) and the most
//               helpful of a label become the in-context examples of that label's next prompts.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mop/dataset.h"
#include "mop/embed.h"
#include "mop/generator.h"
#include "mop/influence.h"
#include "mop/lm.h"
#include "mop/personas.h"
#include "mop/prompts.h"

namespace mop::baselines {

// --- AttrPrompt
struct Attribute {
  std::string name;
  std::vector<std::string> values;
};
using AttributeSet = std::vector<Attribute>;
using DrawnAttributes = std::vector<std::pair<std::string, std::string>>;  // (name, value), in set order

// The built-in attribute set of a domain (news, movie, restaurant, generic).
const AttributeSet& domain_attributes(const std::string& domain);
// A user's set: a JSON object {"attribute": ["value", ...], ...}, kept in file order. Errors name
// the file and the offending key.
AttributeSet read_attributes(const std::filesystem::path& path);
// Sample `index`'s draw: one value per attribute, uniformly, from its own stream of `seed`.
DrawnAttributes draw_attributes(const AttributeSet& set, uint64_t seed, size_t index);
// The user message: "Write a new {noun}[ about {x}] with these attributes:\n- name: value\n...".
std::string attrprompt_instruction(const method::Domain& domain, const DrawnAttributes& drawn,
                                   const std::optional<std::string>& context, const std::string& condition);

// --- PICLe
struct PicleOptions {
  size_t pool = 200;  // candidates: a seeded sample of this many records (all when fewer)
  int shots = 3;      // K in-context examples per persona
  // A candidate longer than this many of the model's tokens is cut at a word boundary, ending
  // " [...]" (as MoP's exemplars, method/token_budget.h), and is scored and shown cut. 0: whole.
  int max_example_tokens = 256;
  // Their contexts, cut likewise (the generation's --max-context-tokens). 0: whole.
  int max_context_tokens = 256;
};

// PICLe's candidates: a seeded sample of `records` (po.pool, all when fewer), each cut to
// po.max_example_tokens and their contexts to po.max_context_tokens. The run and the cost plan both
// draw them here. `cut`, when given, gets the number of candidates whose text was cut.
std::vector<data::Record> picle_candidates(lm::LanguageModel& lm, const std::vector<data::Record>& records,
                                           const PicleOptions& po, uint64_t seed, size_t* cut = nullptr);

// One persona's choice: candidate positions, highest ratio first, and their ratios.
struct PicleSelection {
  std::vector<size_t> candidates;
  std::vector<double> ratios;
};

// For each persona, scores each candidate y under
//   render(persona, generation_instruction(domain, {}, y.context))  -> log p(y | persona)
//   render("",      generation_instruction(domain, {}, y.context))  -> log p(y)
// (tau = 1) and keeps the `shots` candidates with the highest difference; ties go to the earlier
// candidate. Throws mop::Error when shots is not in [1, candidates].
std::vector<PicleSelection> picle_select(lm::LanguageModel& lm, const method::Domain& domain,
                                         const std::vector<method::Persona>& personas,
                                         const std::vector<data::Record>& candidates, int shots,
                                         const lm::Progress& progress = {});

// --- ProGen
struct ProgenOptions {
  std::vector<gen::LabelCondition> classes;  // two or more, distinct labels; sample i has class i mod C
  int rounds = 4;                    // round 0 is zero-shot; each later one uses the feedback
  int shots = 3;                     // K in-context examples per prompt, all of the sample's label
  size_t helpful = 8;                // per label, the M most helpful samples so far: the pool K is drawn from
  eval::InfluenceOptions influence;  // the task model and the influence estimate
};

// Round r of R holds the samples [round_start(r), round_start(r + 1)), round_start(r) = r n / R.
size_t progen_round_start(size_t n, int rounds, int r);

// For each of `labels`, the positions of at most `top` rows of that label with the highest
// helpfulness, best first (ties: the earlier row).
std::vector<std::vector<size_t>> most_helpful(const std::vector<double>& helpfulness,
                                              const std::vector<std::string>& row_labels,
                                              const std::vector<std::string>& labels, size_t top);

}  // namespace mop::baselines
