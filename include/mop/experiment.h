#pragma once
// mop experiment: the paper's experiments as one command. A YAML config names the data, encoder,
// models, sample count, methods, ablations, mixing levels, transfer pairs and seeds; the runner
// produces every synthetic set with the same models, evaluates them all in one `mop eval` pass and
// writes the paper's tables (Table 1: distances, 2: downstream F1, 3: transfer, 4: ablations,
// 5: mixing) as Markdown and JSON. Every step's output is kept with the settings that made it
// (OUTPUT.spec.json), so a rerun skips finished steps, continues unfinished ones, and refuses to
// mix outputs of different settings. See docs/experiments.md for the config reference.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "mop/generators.h"
#include "mop/lm_open.h"
#include "mop/personas.h"
#include "mop/trainer.h"

namespace mop::experiment {

struct ModelSpec {
  std::string name;          // how outputs and tables name it
  lm::ModelOptions options;  // a GGUF in process, or serving endpoints (options.http.endpoints)
  // What identifies its outputs: the GGUF path, or the served model's name (replicas may change).
  std::string identity() const;
};

struct DataSpec {
  std::string train, golden;  // resolved paths
  std::string text = "text", label = "label";
  std::optional<std::string> context;
  size_t max_train = 0, max_golden = 0;  // seeded samples (0 = all)
};

// How synthetic records get labels for the downstream classifier.
//   none:      unlabelled; no F1.
//   condition: sentiment-style: each label's share of the samples is generated with its condition
//              ("You had a positive impression.") and carries the label.
//   persona:   topic-style: MoP's personas are labelled by a multiple-choice question over the label
//              names and each sample carries its persona's label; baselines use the conditions.
struct LabelSpec {
  std::string mode = "none";
  std::vector<std::string> names;  // label values in the data; default: those of the training data
  std::vector<std::pair<std::string, std::string>> conditions;  // label -> condition, in label order
  std::string condition_template;  // used for labels without an explicit condition; "{label}" is replaced
};

struct GenerationSpec {
  int max_tokens = 128;
  double top_p = 1.0;
  std::vector<std::string> stop;
  size_t chunk = 64;
  int max_context_tokens = 256;  // for the sets' contexts and the fits' records alike
};

struct EvalSpec {
  std::string classifier = "softmax";
  int mauve_clusters = 0;
  bool ceiling = true;  // a row for a classifier trained on the real training data
  std::optional<uint64_t> seed;
  int prdc_k = 5;         // k of the k-NN precision/recall/density/coverage
  int subgroups = -1;     // k-means subgroups of the golden set (-1 auto, 0 none)
  std::string group_by;   // also group by this field of the golden records ("" none)
};

// What a set varies from its method: nothing, one of the paper's ablations of MoP, persona
// mixing, or transfer between models. Parsed from the config's names at the edge (read_config).
enum class Variant { none, no_exemplars, generic_personas, random_personas, mix, transfer };
// "" | "no_exemplars" | "generic_personas" | "random_personas" | "mix" | "transfer": the config's
// names for the ablations, and what run records and tables write.
std::string variant_name(Variant v);
// As JSON a variant is its name (run records, config.resolved.json), never a number.
void to_json(nlohmann::json& j, Variant v);
// The ablation of that name; throws mop::Error for another.
Variant parse_ablation(const std::string& name);
bool is_ablation(Variant v);
// The ablations that fit a gate of their own (no_exemplars, generic_personas); none for the rest.
Variant fit_variant(Variant v);

struct Config {
  std::filesystem::path file;  // the YAML it was read from
  std::string name;
  std::filesystem::path out;   // resolved output folder
  DataSpec data;
  std::string domain = "generic";
  std::string encoder = "glove-sif";
  LabelSpec labels;
  std::vector<ModelSpec> models;  // the first is the main model: personas, fits and baselines
  size_t samples = 100;           // per synthetic set
  std::vector<uint64_t> seeds{0};
  GenerationSpec generation;
  method::PersonaOptions personas;
  method::FitOptions fit;
  size_t fit_max_records = 0;
  std::vector<std::string> methods;  // generators; without the key, each with default_method set
  // Each baseline's own settings, normalised (gen::normalize_settings), by generator name.
  std::map<std::string, nlohmann::json> settings;
  double baseline_temperature = 1.0;
  std::vector<Variant> ablations;      // no_exemplars, generic_personas, random_personas
  int similar_k = 10;
  std::vector<int> mixing;             // L values > 1 (L = 1 is MoP itself)
  std::vector<std::string> transfer_fit, transfer_simulate;  // model names
  EvalSpec eval;
};

// The names accepted in `ablations` (`methods` takes the registry's generators).
std::vector<std::string> ablation_names();

// Reads and checks a config. Relative paths are resolved against the config file's folder (model
// names starting with hf: are left alone). Unknown keys, wrong types and bad values throw mop::Error
// naming the file, line and key. Methods and baseline settings are checked against the registry
// (mop/generators.h), or against `generators` (the parser alone, as the fuzz target links it).
Config read_config(const std::filesystem::path& path);
Config read_config(const std::filesystem::path& path, const std::vector<gen::GeneratorInfo>& generators);

// One synthetic set the experiment produces and evaluates.
struct SetPlan {
  std::string name;     // table name: the method's, or e.g. "mop-mix2", "transfer-main-to-other"
  std::string method;   // a generator's name (mop/generators.h)
  Variant variant = Variant::none;
  int mix = 1;
  std::string fit_model, simulate_model;  // model names (fit_model empty for baselines)
  uint64_t seed = 0;
  std::filesystem::path output;  // OUT/samples/NAME[.seedS].jsonl
};

// Every set the config asks for, in table order.
std::vector<SetPlan> plan_sets(const Config& config);

using Log = std::function<void(const std::string&)>;

// Runs (or continues) the experiment and writes OUT/tables.md and OUT/tables.json. Returns the
// tables as JSON.
nlohmann::json run(const Config& config, const Log& log = {});

// The tables from the evaluation's metrics.json and the plan (exposed for tests). fit_health, when
// an array, becomes the "fit_health" table: one object per fitted gate with name, personas and the
// last epoch's figures from its train_log.jsonl (effective_personas, exemplars_per_persona, tau_min,
// tau_max, one_persona_share, val_ll).
nlohmann::json make_tables(const Config& config, const std::vector<SetPlan>& sets, const nlohmann::json& metrics,
                           const nlohmann::json& fit_health = nullptr);
std::string tables_markdown(const Config& config, const nlohmann::json& tables);

}  // namespace mop::experiment
