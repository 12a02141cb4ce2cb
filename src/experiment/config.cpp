// Reading an experiment config (YAML) strictly: see docs/experiments.md for every key.
#include <algorithm>
#include <map>
#include <set>

#include "experiment/yaml_section.h"
#include "mop/error.h"
#include "mop/eval_run.h"
#include "mop/experiment.h"
#include "mop/prompts.h"

namespace mop::experiment {
namespace fs = std::filesystem;
namespace {

using Generators = std::vector<gen::GeneratorInfo>;

// Paths in a config are relative to the config's own folder, so a config works from any cwd.
std::string resolve(const fs::path& base, const std::string& path) {
  if (path.empty() || path.rfind("hf:", 0) == 0 || fs::path(path).is_absolute()) return path;
  return (base / path).lexically_normal().string();
}

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

void check_names(const Section& s, const std::string& key, const std::vector<std::string>& given,
                 const std::vector<std::string>& known) {
  std::set<std::string> seen;
  for (const auto& g : given) {
    if (!contains(known, g)) {
      std::string names;
      for (const auto& k : known) names += (names.empty() ? "" : ", ") + k;
      s.fail(key, "unknown name '" + g + "' (choose from " + names + ")");
    }
    if (!seen.insert(g).second) s.fail(key, "'" + g + "' is listed twice");
  }
}

ModelSpec read_model(const Section& m, const fs::path& base) {
  m.allow({"name", "model", "chat_template", "ctx", "kv_memory", "batch_tokens", "parallel", "threads", "gpu_layers", "cache_dir", "kernels", "kv_layout",
           "endpoints", "api", "served_model", "api_key_env", "max_in_flight", "timeout", "retries", "score_top_k"});
  ModelSpec spec;
  m.get("name", spec.name);
  if (spec.name.empty()) m.fail("name", "missing (each model needs a name for outputs and tables)");
  for (char c : spec.name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
      m.fail("name", "'" + spec.name + "' may hold only letters, digits, '-', '_' and '.' (it names folders)");
  auto& llama = spec.options.llama;
  auto& http = spec.options.http;
  if (m.has("model") == m.has("endpoints"))
    m.fail("model", "give model (a GGUF file or hf:OWNER/REPO/FILE.gguf) or endpoints (serving URLs), not both");
  std::string chat_template;
  m.get("chat_template", chat_template);
  if (!chat_template.empty() && fs::path(chat_template).has_extension()) chat_template = resolve(base, chat_template);
  if (m.has("model")) {
    for (const char* key : {"api", "served_model", "api_key_env", "max_in_flight", "timeout", "retries", "score_top_k"})
      if (m.has(key)) m.fail(key, "applies to endpoints only");
    m.get("model", llama.model);
    llama.model = resolve(base, llama.model);
    llama.chat_template = chat_template;
    if (m.has("ctx")) {
      std::string ctx;
      m.get("ctx", ctx);
      try {
        llama.n_ctx = lm::parse_ctx(ctx, "it");
      } catch (const Error& e) {
        m.fail("ctx", e.what());
      }
    }
    if (m.has("kv_memory")) {
      std::string mem;
      m.get("kv_memory", mem);
      try {
        llama.kv_memory = lm::parse_memory_size(mem, "it");
      } catch (const Error& e) {
        m.fail("kv_memory", e.what());
      }
    }
    m.get("batch_tokens", llama.n_batch);
    m.get("parallel", llama.n_parallel);
    m.get("threads", llama.n_threads);
    m.get("gpu_layers", llama.n_gpu_layers);
    m.get("cache_dir", llama.cache_dir);
    std::string kernels = "invariant";
    m.get("kernels", kernels);
    if (kernels != "invariant" && kernels != "fast") m.fail("kernels", "must be invariant or fast");
    llama.invariant_kernels = kernels == "invariant";
    std::string kv_layout = "streams";
    m.get("kv_layout", kv_layout);
    if (kv_layout != "shared" && kv_layout != "streams") m.fail("kv_layout", "must be shared or streams");
    llama.kv_streams = kv_layout == "streams";
  } else {
    for (const char* key : {"ctx", "kv_memory", "batch_tokens", "parallel", "threads", "gpu_layers", "cache_dir", "kernels", "kv_layout"})
      if (m.has(key)) m.fail(key, "applies to an in-process model only (not to endpoints)");
    m.get("endpoints", http.endpoints);
    if (http.endpoints.empty()) m.fail("endpoints", "give at least one URL");
    http.chat_template = chat_template;
    m.get("api", http.api);
    if (http.api != "completions" && http.api != "chat") m.fail("api", "must be completions or chat");
    m.get("served_model", http.model);
    m.get("api_key_env", http.api_key_env);
    m.get("max_in_flight", http.max_in_flight);
    m.get("timeout", http.timeout_s);
    m.get("retries", http.retries);
    m.get("score_top_k", http.score_top_k);
  }
  return spec;
}

}  // namespace

std::string ModelSpec::identity() const {
  if (options.http.endpoints.empty()) return options.llama.model;
  return "http:" + (options.http.model.empty() ? std::string("(the servers' first model)") : options.http.model);
}

std::string variant_name(Variant v) {
  switch (v) {
    case Variant::none: return "";
    case Variant::no_exemplars: return "no_exemplars";
    case Variant::generic_personas: return "generic_personas";
    case Variant::random_personas: return "random_personas";
    case Variant::mix: return "mix";
    case Variant::transfer: return "transfer";
  }
  return "";
}

void to_json(nlohmann::json& j, Variant v) { j = variant_name(v); }

bool is_ablation(Variant v) {
  return v == Variant::no_exemplars || v == Variant::generic_personas || v == Variant::random_personas;
}

Variant parse_ablation(const std::string& name) {
  for (Variant v : {Variant::no_exemplars, Variant::generic_personas, Variant::random_personas})
    if (variant_name(v) == name) return v;
  throw Error("unknown ablation '" + name + "'");
}

Variant fit_variant(Variant v) { return v == Variant::no_exemplars || v == Variant::generic_personas ? v : Variant::none; }

std::vector<std::string> ablation_names() {
  return {variant_name(Variant::no_exemplars), variant_name(Variant::generic_personas), variant_name(Variant::random_personas)};
}

namespace {

// The baselines section: temperature, then each baseline's own settings (mop/generators.h) as
// NAME_KEY (picle_pool), or KEY alone where only one baseline has it (attributes).
void read_baseline_settings(const Section& b, const fs::path& base, const Generators& generators, Config& c) {
  std::map<std::string, int> owners;  // setting key -> baselines that have it
  for (const auto& g : generators)
    if (g.baseline)
      for (const auto& s : g.settings) ++owners[s.key];
  std::set<std::string> known = {"temperature"};
  for (const auto& g : generators)
    if (g.baseline)
      for (const auto& s : g.settings) {
        known.insert(g.name + "_" + s.key);
        if (owners[s.key] == 1) known.insert(s.key);
      }
  b.allow(known);
  b.get("temperature", c.baseline_temperature);
  for (const auto& g : generators) {
    if (!g.baseline) continue;
    nlohmann::json given = nlohmann::json::object();
    std::map<std::string, std::string> spelled;  // setting key -> the key the file uses
    for (const auto& s : g.settings)
      for (const std::string& k : {g.name + "_" + s.key, owners[s.key] == 1 ? s.key : std::string()}) {
        if (k.empty() || !b.has(k)) continue;
        spelled[s.key] = k;
        using T = gen::Setting::Type;
        if (s.type == T::integer) {
          int v = 0;
          b.get(k, v);
          if (v < s.min) b.fail(k, "must be at least " + std::to_string(s.min) + ", got " + std::to_string(v));
          given[s.key] = v;
        } else if (s.type == T::number) {
          double v = 0;
          b.get(k, v);
          given[s.key] = v;
        } else if (s.type == T::list) {
          std::vector<std::string> v;
          b.get(k, v);
          given[s.key] = v;
        } else {
          std::string v;
          b.get(k, v);
          given[s.key] = s.type == T::path ? resolve(base, v) : v;
        }
      }
    c.settings[g.name] = gen::normalize_settings(g, given, [&](const gen::Setting& s) {
      const auto it = spelled.find(s.key);
      return b.file().string() + ": baselines." + (it == spelled.end() ? g.name + "_" + s.key : it->second);
    });
  }
}

// data: the train and golden files (relative to the config's folder) and their fields.
void read_data(const Section& top, const fs::path& base, Config& c) {
  const Section data = top.child("data");
  data.allow({"train", "golden", "text", "label", "context", "max_train", "max_golden"});
  if (!data.has("train")) data.fail("train", "missing (the real records personas and gates are learned from)");
  if (!data.has("golden")) data.fail("golden", "missing (the held-out real records every set is compared with)");
  data.get("train", c.data.train);
  data.get("golden", c.data.golden);
  c.data.train = resolve(base, c.data.train);
  c.data.golden = resolve(base, c.data.golden);
  data.get("text", c.data.text);
  data.get("label", c.data.label);
  data.get("context", c.data.context);
  data.get("max_train", c.data.max_train);
  data.get("max_golden", c.data.max_golden);
}

// labels: how labels enter the prompts, checked against each other.
void read_labels(const Section& top, Config& c) {
  if (top.has("labels")) {
    const Section l = top.child("labels");
    l.allow({"mode", "names", "conditions", "condition_template"});
    l.get("mode", c.labels.mode);
    if (c.labels.mode != "none" && c.labels.mode != "condition" && c.labels.mode != "persona")
      l.fail("mode", "must be none, condition or persona, got '" + c.labels.mode + "'");
    l.get("names", c.labels.names);
    c.labels.conditions = l.string_map("conditions");
    l.get("condition_template", c.labels.condition_template);
    if (!c.labels.condition_template.empty() && c.labels.condition_template.find("{label}") == std::string::npos)
      l.fail("condition_template", "must contain {label}");
    for (const auto& [label, cond] : c.labels.conditions)
      if (!c.labels.names.empty() && !contains(c.labels.names, label))
        l.fail("conditions", "label '" + label + "' is not in labels.names");
    if (c.labels.mode == "condition" && c.labels.conditions.empty() && c.labels.condition_template.empty())
      l.fail("mode", "condition needs labels.conditions (label: condition) or labels.condition_template");
  }
}

// models: the first is the main model; names are unique.
void read_models(const Section& top, const fs::path& base, Config& c) {
  for (const auto& m : top.list("models")) {
    c.models.push_back(read_model(m, base));
    for (size_t i = 0; i + 1 < c.models.size(); ++i)
      if (c.models[i].name == c.models.back().name) m.fail("name", "model name '" + c.models.back().name + "' is used twice");
  }
  if (c.models.empty()) top.fail("models", "give at least one model (the first is the main model)");
}

void read_generation(const Section& top, Config& c) {
  if (top.has("generation")) {
    const Section g = top.child("generation");
    g.allow({"max_tokens", "top_p", "stop", "chunk", "max_context_tokens"});
    g.get("max_tokens", c.generation.max_tokens);
    g.get("top_p", c.generation.top_p);
    g.get("stop", c.generation.stop);
    g.get("chunk", c.generation.chunk);
    g.get("max_context_tokens", c.generation.max_context_tokens);
    if (c.generation.max_context_tokens != 0 && c.generation.max_context_tokens < 16)
      g.fail("max_context_tokens", "must be 0 (whole) or at least 16");
    if (c.generation.max_tokens < 1) g.fail("max_tokens", "must be at least 1");
    if (!(c.generation.top_p > 0 && c.generation.top_p <= 1)) g.fail("top_p", "must be in (0, 1]");
    if (c.generation.chunk < 1) g.fail("chunk", "must be at least 1");
  }
}

void read_personas(const Section& top, Config& c) {
  c.personas.domain = c.domain;
  if (top.has("personas")) {
    const Section p = top.child("personas");
    p.allow({"k", "per_cluster", "nearest", "kmeans_restarts", "temperature", "max_tokens", "template"});
    p.get("k", c.personas.k);
    p.get("per_cluster", c.personas.per_cluster);
    p.get("nearest", c.personas.nearest);
    p.get("kmeans_restarts", c.personas.kmeans_restarts);
    p.get("temperature", c.personas.temperature);
    p.get("max_tokens", c.personas.max_tokens);
    p.get("template", c.personas.template_text);
    if (c.personas.k < 1) p.fail("k", "must be at least 1");
  }
}

void read_fit(const Section& top, Config& c) {
  c.fit.domain = c.domain;
  c.fit.max_context_tokens = c.generation.max_context_tokens;  // fits and sets see the same contexts
  if (top.has("fit")) {
    const Section f = top.child("fit");
    f.allow({"exemplars", "top_m", "pair_choice", "guided_pairs", "guide_weight", "guide_gate_share", "epochs", "batch", "lr", "weight_decay", "dim", "tau_init", "tau_min", "tau_max",
             "tau_tolerance", "val_fraction", "max_val", "reference_pairs", "max_records", "max_exemplar_tokens",
             "max_response_tokens", "long_responses"});
    f.get("exemplars", c.fit.n_exemplars);
    f.get("top_m", c.fit.top_m);
    f.get("pair_choice", c.fit.pair_choice);
    f.get("guided_pairs", c.fit.guided_pairs);
    f.get("guide_weight", c.fit.guide_weight);
    f.get("guide_gate_share", c.fit.guide_gate_share);
    if (c.fit.pair_choice != "guided" && c.fit.pair_choice != "top-m") f.fail("pair_choice", "must be guided or top-m");
    f.get("epochs", c.fit.epochs);
    f.get("batch", c.fit.batch_size);
    f.get("lr", c.fit.adam.lr);
    f.get("weight_decay", c.fit.adam.weight_decay);
    f.get("dim", c.fit.gate.dim_proj);
    f.get("tau_init", c.fit.gate.tau_init);
    f.get("tau_min", c.fit.gate.tau_min);
    f.get("tau_max", c.fit.gate.tau_max);
    f.get("tau_tolerance", c.fit.tau_tolerance);
    f.get("val_fraction", c.fit.val_fraction);
    f.get("max_val", c.fit.max_val);
    f.get("reference_pairs", c.fit.reference_pairs);
    f.get("max_records", c.fit_max_records);
    f.get("max_exemplar_tokens", c.fit.max_exemplar_tokens);
    f.get("max_response_tokens", c.fit.max_response_tokens);
    f.get("long_responses", c.fit.long_responses);
    if (c.fit.long_responses != "cut" && c.fit.long_responses != "skip") f.fail("long_responses", "must be cut or skip");
  }
}

// methods (default: the registry's default methods), baselines' settings, ablations and mixing,
// with what each needs from the rest of the config.
void read_methods(const Section& top, const YAML::Node& root, const fs::path& base, const Generators& generators, Config& c) {
  std::vector<std::string> names;
  for (const auto& g : generators) {
    names.push_back(g.name);
    if (g.default_method) c.methods.push_back(g.name);
  }
  if (top.has("methods")) {
    c.methods.clear();
    top.get("methods", c.methods);
  }
  check_names(top, "methods", c.methods, names);
  if (c.methods.empty()) top.fail("methods", "give at least one method");
  if (top.has("baselines")) read_baseline_settings(top.child("baselines"), base, generators, c);
  for (const auto& g : generators)
    if (g.baseline && !c.settings.count(g.name))
      c.settings[g.name] = gen::normalize_settings(g, nlohmann::json::object(), [](const gen::Setting& s) { return s.key; });
  if (top.has("ablations")) {
    const YAML::Node a = root["ablations"];
    std::vector<std::string> names;
    if (a.IsMap()) {  // {names: [...], similar_k: N}
      const Section s = top.child("ablations");
      s.allow({"names", "similar_k"});
      s.get("names", names);
      s.get("similar_k", c.similar_k);
    } else {
      top.get("ablations", names);
    }
    check_names(top, "ablations", names, ablation_names());
    for (const auto& n : names) c.ablations.push_back(parse_ablation(n));
  }
  top.get("mixing", c.mixing);
  for (int l : c.mixing)
    if (l < 2) top.fail("mixing", "each L must be at least 2 (L = 1 is MoP itself), got " + std::to_string(l));
  for (const auto& m : c.methods) {
    const auto& needs = std::find_if(generators.begin(), generators.end(), [&](const auto& g) { return g.name == m; })->needs;
    if (!needs.all_labels.empty() && c.labels.mode == "none")
      top.fail("methods", needs.all_labels + ": it needs labels (labels.mode condition or persona)");
  }
  if (!c.ablations.empty() || !c.mixing.empty())
    if (!contains(c.methods, gen::kMop))
      top.fail("methods", std::string("ablations and mixing compare with ") + gen::kMop + ": list " + gen::kMop + " in methods");
}

// transfer: gates fitted with one model, simulated with another (names from models).
void read_transfer(const Section& top, Config& c) {
  if (top.has("transfer")) {
    const Section t = top.child("transfer");
    t.allow({"fit", "simulate"});
    t.get("fit", c.transfer_fit);
    t.get("simulate", c.transfer_simulate);
    std::vector<std::string> names;
    for (const auto& m : c.models) names.push_back(m.name);
    check_names(t, "fit", c.transfer_fit, names);
    check_names(t, "simulate", c.transfer_simulate, names);
    if (c.transfer_fit.empty() || c.transfer_simulate.empty()) t.fail("fit", "transfer needs both fit and simulate models");
  }
}

void read_eval(const Section& top, Config& c) {
  if (top.has("eval")) {
    const Section e = top.child("eval");
    e.allow({"classifier", "mauve_clusters", "ceiling", "seed", "prdc_k", "subgroups", "group_by"});
    e.get("classifier", c.eval.classifier);
    try {
      eval::parse_classifier(c.eval.classifier);
    } catch (const Error& err) {
      e.fail("classifier", err.what());
    }
    e.get("mauve_clusters", c.eval.mauve_clusters);
    e.get("ceiling", c.eval.ceiling);
    e.get("prdc_k", c.eval.prdc_k);
    if (c.eval.prdc_k < 1) e.fail("prdc_k", "must be at least 1");
    e.get("subgroups", c.eval.subgroups);
    if (c.eval.subgroups < -1) e.fail("subgroups", "must be -1 (auto), 0 (none) or a cluster count");
    e.get("group_by", c.eval.group_by);
    if (e.has("seed")) {
      uint64_t s = 0;
      e.get("seed", s);
      c.eval.seed = s;
    }
  }
}

Config read_config_checked(const fs::path& path, const Generators& generators) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path.string());
  } catch (const YAML::BadFile&) {
    throw Error("cannot read experiment config " + path.string());
  } catch (const YAML::ParserException& e) {
    throw Error(path.string() + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML: " + e.msg);
  }
  const fs::path base = fs::absolute(path).parent_path();
  Config c;
  c.file = path;
  const Section top(path, root, "");
  top.allow({"name", "out", "data", "domain", "encoder", "labels", "models", "samples", "seeds", "generation", "personas",
             "fit", "methods", "baselines", "ablations", "mixing", "transfer", "eval"});

  top.get("name", c.name);
  if (c.name.empty()) c.name = path.stem().string();
  // out, like every path, is relative to the config's folder; without it: ./runs/NAME.
  c.out = fs::path("runs") / c.name;
  if (top.has("out")) {
    std::string out;
    top.get("out", out);
    c.out = resolve(base, out);
  }

  read_data(top, base, c);

  top.get("domain", c.domain);
  try {
    method::domain_by_name(c.domain);
  } catch (const Error& e) {
    top.fail("domain", e.what());
  }
  top.get("encoder", c.encoder);
  if (c.encoder != "glove-sif") c.encoder = resolve(base, c.encoder);

  read_labels(top, c);
  read_models(top, base, c);

  top.get("samples", c.samples);
  if (c.samples < 2) top.fail("samples", "must be at least 2");
  top.get("seeds", c.seeds);
  if (c.seeds.empty()) top.fail("seeds", "give at least one seed");
  if (std::set<uint64_t>(c.seeds.begin(), c.seeds.end()).size() != c.seeds.size()) top.fail("seeds", "a seed is listed twice");

  read_generation(top, c);
  read_personas(top, c);
  read_fit(top, c);
  read_methods(top, root, base, generators, c);
  read_transfer(top, c);
  read_eval(top, c);
  return c;
}

}  // namespace

Config read_config(const fs::path& path, const Generators& generators) {
  try {
    return read_config_checked(path, generators);
  } catch (const YAML::Exception& e) {  // e.g. a key that is itself a list or mapping
    throw Error(path.string() + (e.mark.is_null() ? std::string() : ":" + std::to_string(e.mark.line + 1)) + ": " + e.msg);
  }
}

}  // namespace mop::experiment
