#pragma once
// mop baseline: the alternatives MoP is compared with, each writing a synthetic JSONL like
// mop simulate (index, text, context, label, provenance{method, model, seed, temperature, ...}),
// exactly n records, the same file for the same seed, resumable through OUT.partial.
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
#include "mop/influence.h"
#include "mop/lm.h"
#include "mop/personas.h"
#include "mop/prompts.h"

namespace mop::baselines {

// The names `mop baseline NAME` accepts, and a check that throws mop::Error naming them.
std::vector<std::string> baseline_names();
void check_baseline_name(const std::string& name);

// Settings every baseline shares; the meaning of each is the same as in mop simulate.
struct BaselineOptions {
  size_t n = 100;
  uint64_t seed = 0;
  std::string domain = "generic";
  double temperature = 1.0;  // the baselines' papers sample at temperature 1
  double top_p = 1.0;
  int max_tokens = 128;
  std::vector<std::string> stop;
  std::string condition;             // extra instruction, e.g. "You had a positive impression."
  std::optional<std::string> label;  // stored as each record's label (default: the condition)
  std::vector<std::string> contexts;  // sample i is about contexts[i mod C]
  size_t chunk = 64;                  // samples per generation call and resumable chunk
};

void zerogen(lm::LanguageModel& lm, const std::filesystem::path& out, const BaselineOptions& options,
             const lm::Progress& progress = {});

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

void attrprompt(lm::LanguageModel& lm, const std::filesystem::path& out, const AttributeSet& attributes,
                const BaselineOptions& options, const lm::Progress& progress = {});

// --- PICLe
struct PicleOptions {
  size_t pool = 200;  // candidates: a seeded sample of this many records (all when fewer)
  int shots = 3;      // K in-context examples per persona
};

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

// Samples the pool from `records`, selects exemplars, then generates. A persona's label (topic
// data) is each of its samples' label unless --label or --condition gives one.
void picle(lm::LanguageModel& lm, const std::filesystem::path& out, const std::vector<method::Persona>& personas,
           const std::vector<data::Record>& records, const PicleOptions& picle_options, const BaselineOptions& options,
           const lm::Progress& progress = {});

// --- ProGen
// One label of the generated data and the instruction that asks for it.
struct ProgenClass {
  std::string label;
  std::string condition;  // e.g. "You had a positive impression."
};
// "LABEL=CONDITION" (split at the first '='); throws mop::Error quoting the text when either side
// is empty.
ProgenClass parse_progen_class(const std::string& text);

struct ProgenOptions {
  std::vector<ProgenClass> classes;  // two or more, distinct labels; sample i has class i mod C
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

// Generates options.n samples in progen_options.rounds rounds. Before round r > 0 the samples of
// rounds < r are encoded with `encoder` (fitted to them first if it fits a corpus), scored by
// eval::helpfulness, and each sample of round r draws K of its label's M most helpful as
// exemplars. The label comes from the class; --label and --condition are errors. A rerun after an
// interruption recomputes the feedback from the samples already written, so it is the same file.
void progen(lm::LanguageModel& lm, const std::filesystem::path& out, embed::Encoder& encoder,
            const ProgenOptions& progen_options, const BaselineOptions& options, const lm::Progress& progress = {});

}  // namespace mop::baselines
