#pragma once
// mop::gen — one shape for everything that writes a synthetic population: MoP's simulator, its
// ablations and every baseline. A Generator plans each sample (prompt, temperature, label,
// provenance) from the sample's index alone, so the file is the same whatever the chunking;
// run_generator() drives any of them through one loop: chunks of requests, per-sample generation
// seeds, label precedence, resumable JSONL output (OUT.partial) and progress.
// The registry from names to generators is mop/generators.h; docs/architecture.md has the recipe.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mop/cost_plan.h"
#include "mop/dataset.h"
#include "mop/embed.h"
#include "mop/lm.h"
#include "mop/personas.h"
#include "mop/prompts.h"

namespace mop::gen {

// Settings every generator shares, with the same meaning everywhere.
struct GenerationOptions {
  size_t n = 100;
  uint64_t seed = 0;
  int max_tokens = 128;
  double top_p = 1.0;
  std::vector<std::string> stop;
  std::string condition;             // extra instruction, e.g. "You had a positive impression."
  std::optional<std::string> label;  // stored as each record's label (default: the condition)
  std::vector<std::string> contexts;  // sample i is about contexts[i mod C]
  // A context longer than this many of the model's tokens is cut at a word boundary, ending
  // " [...]" (budget_contexts; fit cuts its records' contexts the same way). 0: whole.
  int max_context_tokens = 256;
  size_t chunk = 64;                  // samples per generation call and resumable chunk
};

// Cuts options.contexts to options.max_context_tokens (see above) in place, before a generator is
// made from them, and says on stderr how many were cut. Returns that count. Throws mop::Error
// for a budget below 16 tokens (other than 0).
size_t budget_contexts(lm::LanguageModel& lm, GenerationOptions& options);

// One sample's request and what its record carries besides the text.
struct Planned {
  std::optional<std::string> context;
  std::optional<std::string> label;  // used when the options give neither label nor condition
  // The conversation to generate from (lm::persona_messages); the loop renders it with the
  // model's template and passes the messages on (lm::GenerateRequest).
  std::vector<lm::ChatMessage> messages;
  double temperature = 1.0;
  nlohmann::json provenance = nlohmann::json::object();  // the generator's own fields
};

class Generator {
 public:
  virtual ~Generator() = default;

  // The generator's own part of the job's identity; it joins the shared options in
  // OUT.partial.json, so a rerun continues only the same job.
  virtual nlohmann::json identity() const = 0;

  // Samples are generated in stages, each after every earlier one is written (ProGen's rounds
  // build on the samples before them); most generators have one.
  virtual size_t stages() const { return 1; }
  virtual size_t stage_of(size_t /*index*/) const { return 0; }
  // Before a stage with samples left, with every line written so far (index -> JSON line).
  virtual void begin_stage(size_t /*stage*/, const std::map<size_t, std::string>& /*written*/) {}

  // Before plan() for a chunk's indices: work done for the chunk at once (MoP's persona merging).
  virtual void prepare_chunk(const std::vector<size_t>& /*indices*/) {}
  virtual Planned plan(size_t index) = 0;
};

// Generates samples 0..options.n-1 with `generator` into `out`, resuming OUT.partial when it holds
// the same job. Sample i's generation seed is stream_seed(seed ^ 0xC0FFEE, i), independent of the
// generator's own draws. Its label is options.label, else the condition, else the plan's.
// Provenance: model, seed, finish_reason and the generator's fields.
void run_generator(Generator& generator, lm::LanguageModel& lm, const std::filesystem::path& out,
                   const GenerationOptions& options, const lm::Progress& progress = {});

// --- What the registry (mop/generators.h) knows of each generator.

// One of a generator's own settings. Callers pass settings as JSON by key (the CLI's --KEY flags,
// an experiment's baselines section); normalize_settings() checks them against these.
struct Setting {
  enum class Type { integer, number, text, path, list };
  std::string key;
  Type type = Type::integer;
  nlohmann::json default_value;  // filled in when the caller gives none
  std::string help;              // one line for --help
  std::string flag;              // the CLI flag when not --KEY (e.g. "class" for a list of classes)
  long long min = 0;             // integer settings: the smallest allowed value

  static Setting integer(std::string key, long long default_value, std::string help, long long min = 0) {
    return {std::move(key), Type::integer, default_value, std::move(help), "", min};
  }
  static Setting number(std::string key, double default_value, std::string help) {
    return {std::move(key), Type::number, default_value, std::move(help), "", 0};
  }
  static Setting text(std::string key, std::string default_value, std::string help) {
    return {std::move(key), Type::text, std::move(default_value), std::move(help), "", 0};
  }
  static Setting path(std::string key, std::string help) {  // default "": none given
    return {std::move(key), Type::path, "", std::move(help), "", 0};
  }
  static Setting list(std::string key, std::string help, std::string flag = "") {
    return {std::move(key), Type::list, nlohmann::json::array(), std::move(help), std::move(flag), 0};
  }
};

// What a generator reads besides the model and its settings: callers load only what it asks for.
struct Needs {
  bool scores = false;    // the model must score, not only generate (PICLe ranks by likelihood)
  bool personas = false;  // a personas file
  bool records = false;   // real records (PICLe's candidates)
  bool encoder = false;   // a sentence encoder
  bool run = false;       // a fitted run directory (MoP)
  // Every label of labelled data with its condition, in one file (Inputs::classes; ProGen trains
  // a classifier across labels); the text says why, for the error without.
  std::string all_labels;
  // With labelled personas the samples take their persona's label instead of being generated
  // per label condition.
  bool persona_labels = false;
};

// One label of the generated data and the instruction that asks for it.
struct LabelCondition {
  std::string label;
  std::string condition;  // e.g. "You had a positive impression."
};
// "LABEL=CONDITION" as the CLI's --class gives it (split at the first '='); throws mop::Error
// quoting the text when either side is empty. Experiments give labels and conditions apart.
LabelCondition parse_label_condition(const std::string& text);

// What a generator is made from.
struct Inputs {
  lm::LanguageModel* lm = nullptr;
  GenerationOptions options;
  std::string domain = "generic";
  double temperature = 1.0;  // baselines sample at it; MoP at its fitted temperatures
  nlohmann::json settings = nlohmann::json::object();  // normalised (see normalize_settings)
  std::vector<method::Persona> personas;                // when needs.personas
  std::vector<data::Record> records;                    // when needs.records
  embed::Encoder* encoder = nullptr;                    // when needs.encoder
  std::filesystem::path run;                            // when needs.run
  std::vector<LabelCondition> classes;                  // when needs.all_labels: every label
};

// What the cost plan (mop experiment --plan) knows of one part of a set before the run: one
// label's samples (or all of them) and what their prompts are made from.
struct PlanInputs {
  lm::LanguageModel* lm = nullptr;  // the simulating model
  const method::Domain* domain = nullptr;
  nlohmann::json settings = nlohmann::json::object();  // normalised, as make() gets them
  std::vector<method::Persona> personas;   // the fit's (MoP) or the experiment's
  std::vector<method::Example> exemplars;  // the fit's pool, as its prompts show it (MoP)
  const std::vector<data::Record>* train = nullptr;
  method::ScoreShape shape;
  int max_tokens = 128;
  int max_context_tokens = 256;
  size_t n = 0;  // the part's samples
  std::string condition;
  std::vector<std::string> contexts;  // as the run cuts them
  std::vector<LabelCondition> classes;  // as Inputs::classes
  uint64_t seed = 0;
  std::optional<std::string> context(size_t index) const;  // sample index's context, as the run's
};

// `n` generations of prompt(i), max_tokens each: prompt tokens counted on an even sample of the
// prompts (at most 256; the rest take their mean: prompts of one generator are alike in length).
void plan_generations(method::LmWork& work, lm::LanguageModel& lm, size_t n, int max_tokens,
                      const std::function<std::string(size_t)>& prompt);
// `k` records from a seeded draw, as exemplars: stand-ins for those a run chooses as it goes.
std::vector<method::Example> stand_in_examples(const std::vector<data::Record>& records, size_t k, std::mt19937_64& rng);
// n plain prompts: the domain's instruction for each sample's context and the condition.
method::LmWork plain_plan(const PlanInputs& in);

struct GeneratorInfo {
  std::string name;
  std::string summary;        // one line
  std::string example;        // the arguments of one `mop baseline NAME ...` run, for --help
  bool baseline = true;       // run by `mop baseline NAME` (MoP has mop simulate)
  bool default_method = true;  // in an experiment's methods when the config lists none
  Needs needs;
  std::vector<Setting> settings;
  std::function<std::unique_ptr<Generator>(const Inputs&)> make;
  // Its LM work for the cost plan, with its real prompts where they can be made before the run
  // and stand-ins where they depend on what the run learns; `notes` gets each stand-in or bound,
  // in words. Unset: counted as plain_plan, with a note saying so.
  std::function<method::LmWork(const PlanInputs&, std::vector<std::string>& notes)> plan;
};

// `given` checked against info.settings (unknown keys, types, minimums; strings that hold numbers
// are read as numbers, a single string as a one-item list) with defaults filled in. Errors are
// mop::Error naming `where` + the key, e.g. "--pool" or "baselines.picle_pool".
nlohmann::json normalize_settings(const GeneratorInfo& info, const nlohmann::json& given,
                                  const std::function<std::string(const Setting&)>& where);

// Sample `index`'s random stream for a generator's own draws.
std::mt19937_64 sample_rng(uint64_t seed, size_t index);
// Uniform in [0, 1) from 53 bits, and a uniform index in [0, n): portable across standard
// libraries (std:: distributions are not).
double uniform01(std::mt19937_64& rng);
size_t draw_index(std::mt19937_64& rng, size_t n);
// contexts[index mod C], or none.
std::optional<std::string> context_of(const GenerationOptions& options, size_t index);

}  // namespace mop::gen
