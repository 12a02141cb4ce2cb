// mop baseline NAME: the alternatives to MoP, each writing a synthetic JSONL like mop simulate.
// Everything specific to a baseline (its settings, flags and inputs) comes from the registry
// (mop/generators.h); this file only turns flags into a generator's inputs.
#include <cstdio>
#include <map>
#include <memory>

#include "commands.h"
#include "contexts_file.h"
#include "data_options.h"
#include "model_options.h"
#include "mop/baselines.h"
#include "mop/embed_open.h"
#include "mop/error.h"
#include "mop/generators.h"
#include "mop/util/progress.h"

namespace mop::cli {
namespace {

std::string flag_of(const gen::Setting& s) { return "--" + (s.flag.empty() ? s.key : s.flag); }

// One flag per setting key across the baselines, as text (CLI11 checks nothing; the generator's
// normalize_settings does, naming the flag).
struct SettingFlag {
  std::string value;
  std::vector<std::string> values;  // list settings
  CLI::Option* option = nullptr;
};

struct BaselineArgs {
  std::string name, out, contexts, context_field = "context", label, data, personas, encoder = "glove-sif";
  DataArgs data_args;
  lm::ModelOptions model;
  gen::GenerationOptions options;
  std::string domain = "generic";
  double temperature = 1.0;  // the baselines' papers sample at temperature 1
  std::map<std::string, SettingFlag> settings;  // by key
  std::vector<std::string> classes;             // LABEL=CONDITION, for generators that need all labels
  CLI::Option *data_opt = nullptr, *personas_opt = nullptr, *encoder_opt = nullptr, *classes_opt = nullptr;
  std::vector<CLI::Option*> data_field_opts;
};

bool has_setting(const gen::GeneratorInfo& g, const std::string& key) {
  for (const auto& s : g.settings)
    if (s.key == key) return true;
  return false;
}

// Flags that belong to other baselines are errors, rather than silently ignored.
void check_flags(const BaselineArgs& a, const gen::GeneratorInfo& info) {
  for (const auto& [key, f] : a.settings)
    if (f.option->count() && !has_setting(info, key))
      throw Error(f.option->get_name() + " applies to " +
                  gen::names_where([&](const gen::GeneratorInfo& g) { return g.baseline && has_setting(g, key); }) + " only");
  const auto only = [&](const CLI::Option* o, bool needed, const std::function<bool(const gen::Needs&)>& need) {
    if (!needed && o->count())
      throw Error(o->get_name() + " applies to " +
                  gen::names_where([&](const gen::GeneratorInfo& g) { return g.baseline && need(g.needs); }) + " only");
  };
  only(a.data_opt, info.needs.records, [](const gen::Needs& n) { return n.records; });
  for (const auto* o : a.data_field_opts) only(o, info.needs.records, [](const gen::Needs& n) { return n.records; });
  only(a.personas_opt, info.needs.personas, [](const gen::Needs& n) { return n.personas; });
  only(a.encoder_opt, info.needs.encoder, [](const gen::Needs& n) { return n.encoder; });
  only(a.classes_opt, !info.needs.all_labels.empty(), [](const gen::Needs& n) { return !n.all_labels.empty(); });
  if (info.needs.records && a.data.empty()) throw Error(info.name + " needs --data (the real records it draws examples from)");
  if (info.needs.personas && a.personas.empty()) throw Error(info.name + " needs --personas (a personas file from mop personas)");
}

nlohmann::json given_settings(const BaselineArgs& a, const gen::GeneratorInfo& info) {
  nlohmann::json given = nlohmann::json::object();
  for (const auto& s : info.settings) {
    const SettingFlag& f = a.settings.at(s.key);
    if (!f.option->count()) continue;
    if (s.type == gen::Setting::Type::list) given[s.key] = f.values;
    else given[s.key] = f.value;
  }
  return given;
}

void run(BaselineArgs a) {
  const gen::GeneratorInfo& info = gen::find_baseline(a.name);
  check_flags(a, info);
  method::domain_by_name(a.domain);  // an unknown domain fails before the model loads
  gen::Inputs in;
  in.settings = gen::normalize_settings(info, given_settings(a, info), flag_of);
  for (const auto& c : a.classes) in.classes.push_back(gen::parse_label_condition(c));
  if (!a.contexts.empty()) a.options.contexts = read_contexts(a.contexts, a.context_field);
  if (!a.label.empty()) a.options.label = a.label;
  in.domain = a.domain;
  in.temperature = a.temperature;
  if (info.needs.records) in.records = load_records(a.data, a.data_args);
  if (info.needs.personas) in.personas = method::read_personas(a.personas);
  std::shared_ptr<embed::Encoder> encoder;
  if (info.needs.encoder) {
    embed::EncoderOptions eo;
    eo.n_threads = a.model.llama.n_threads;
    encoder = embed::open_encoder(a.encoder, eo);  // a missing encoder fails before the model loads
    in.encoder = encoder.get();
  }
  auto model = lm::open_model(a.model, {.score = info.needs.scores});
  in.lm = model.get();
  gen::budget_contexts(*model, a.options);
  in.options = a.options;
  auto generator = info.make(in);
  util::ProgressBar bar(a.name, a.options.n);
  gen::run_generator(*generator, *model, a.out, a.options, [&](size_t d, size_t t) { bar.update(d, t); });
  bar.finish();
  std::fprintf(stderr, "mop: wrote %zu samples to %s\n", a.options.n, a.out.c_str());
}

// The flags of every baseline's settings: one per key, its help naming the baselines it applies to.
void add_setting_flags(CLI::App* cmd, BaselineArgs& a) {
  std::map<std::string, std::string> help;
  std::vector<const gen::Setting*> order;
  for (const auto& g : gen::generators()) {
    if (!g.baseline) continue;
    for (const auto& s : g.settings) {
      auto& h = help[s.key];
      if (h.empty()) order.push_back(&s);
      h += (h.empty() ? "" : "; ") + g.name + ": " + s.help;
    }
  }
  for (const gen::Setting* s : order) {
    SettingFlag& f = a.settings[s->key];
    std::string h = help[s->key];
    if (!s->default_value.is_array() && !(s->default_value.is_string() && s->default_value.get<std::string>().empty()))
      h += " [" + (s->default_value.is_string() ? s->default_value.get<std::string>() : s->default_value.dump()) + "]";
    f.option = s->type == gen::Setting::Type::list ? cmd->add_option(flag_of(*s), f.values, h)
                                                   : cmd->add_option(flag_of(*s), f.value, h);
  }
}

std::string baseline_list() {
  std::string out;
  for (const auto& g : gen::generators())
    if (g.baseline) out += "  " + g.name + std::string(g.name.size() < 11 ? 11 - g.name.size() : 1, ' ') + g.summary + "\n";
  return out;
}

std::string baseline_examples() {
  std::string out;
  for (const auto& g : gen::generators())
    if (g.baseline && !g.example.empty()) out += "\n  mop baseline " + g.name + " " + g.example;
  return out;
}

}  // namespace

void register_baseline(CLI::App& app) {
  auto a = std::make_shared<BaselineArgs>();
  std::string names;
  for (const auto& n : gen::baseline_names()) names += (names.empty() ? "" : " | ") + n;
  auto* cmd = app.add_subcommand("baseline", "Generate with a baseline method: " + names);
  cmd->footer(
      "Baselines:\n" + baseline_list() +
      "Output JSONL like mop simulate: index, text, context, label, provenance (method, model, seed, temperature,\n"
      "and the method's own fields). Rerunning the same command after an interruption continues it (OUT.partial).\n"
      "See docs/baselines.md.\n"
      "Examples:" + baseline_examples());
  cmd->add_option("name", a->name, names)->required();
  cmd->add_option("-o,--out", a->out, "output JSONL")->required();
  cmd->add_option("-n,--samples", a->options.n, "number of samples")->capture_default_str();
  cmd->add_option("--domain", a->domain, "news | restaurant | movie | generic")->capture_default_str();
  cmd->add_option("--contexts", a->contexts, "contexts x: .txt (one per line) or .jsonl; sample i uses context i mod C");
  cmd->add_option("--context-field", a->context_field, "field of a .jsonl contexts file")->capture_default_str();
  cmd->add_option("--max-context-tokens", a->options.max_context_tokens,
                  "cut each context to this many tokens, ending \" [...]\" (0: never)")->capture_default_str();
  cmd->add_option("--condition", a->options.condition, "extra instruction, e.g. 'You had a positive impression.'");
  cmd->add_option("--label", a->label, "label stored with every sample (default: the condition)");
  cmd->add_option("--temperature", a->temperature, "sampling temperature")->capture_default_str();
  cmd->add_option("--max-tokens", a->options.max_tokens, "longest response")->capture_default_str();
  cmd->add_option("--top-p", a->options.top_p, "nucleus sampling threshold")->capture_default_str();
  cmd->add_option("--stop", a->options.stop, "stop string (repeatable)");
  cmd->add_option("--seed", a->options.seed, "seed; sample i draws from its own stream")->capture_default_str();
  cmd->add_option("--chunk", a->options.chunk, "samples per generation call and resumable chunk")->capture_default_str();
  add_setting_flags(cmd, *a);
  const auto needing = [](const std::function<bool(const gen::Needs&)>& need) {
    return gen::names_where([&](const gen::GeneratorInfo& g) { return g.baseline && need(g.needs); }) + ": ";
  };
  const std::string records = needing([](const gen::Needs& n) { return n.records; });
  a->data_opt = cmd->add_option("--data", a->data, records + "real records (JSONL, CSV, TSV or a .txt folder)");
  a->personas_opt = cmd->add_option("--personas", a->personas,
                                    needing([](const gen::Needs& n) { return n.personas; }) + "personas file (from mop personas)");
  a->classes_opt = cmd->add_option("--class", a->classes,
                                   needing([](const gen::Needs& n) { return !n.all_labels.empty(); }) +
                                       "LABEL=CONDITION, one per label (two or more; repeat the flag); sample i has class i mod C");
  a->encoder_opt = cmd->add_option("--encoder", a->encoder, needing([](const gen::Needs& n) { return n.encoder; }) +
                                                                "sentence encoder: glove-sif, a GGUF embedding model, or hf:...")
                       ->capture_default_str();
  // The data flags of other commands, but --label here is the stored label, not a field.
  a->data_field_opts = {
      cmd->add_option("--text", a->data_args.text, records + "field of --data holding the response y")->capture_default_str(),
      cmd->add_option("--context", a->data_args.context, records + "field of --data holding the context x"),
      cmd->add_option("--format", a->data_args.format, records + "format of --data, auto|jsonl|csv|tsv|txt")->capture_default_str(),
      cmd->add_flag("--skip-bad", a->data_args.skip_bad, records + "skip malformed lines of --data with a warning")};
  add_model_options(cmd, a->model);
  cmd->callback([a] { run(*a); });
}

}  // namespace mop::cli
