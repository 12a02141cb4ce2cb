// Runs an experiment: data -> personas -> fits -> synthetic sets -> one evaluation -> tables.
// Each step is skipped when its output exists with the same spec (see step()).
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <set>

#include "experiment/label_parts.h"
#include "mop/dataset.h"
#include "mop/embed_open.h"
#include "mop/error.h"
#include "mop/eval_run.h"
#include "mop/experiment.h"
#include "mop/generators.h"
#include "mop/simulator.h"
#include "mop/util/atomic_file.h"
#include "mop/util/jsonl.h"
#include "mop/util/progress.h"

namespace mop::experiment {
namespace fs = std::filesystem;
namespace {

nlohmann::json model_spec(const ModelSpec& m) {
  const bool http = !m.options.http.endpoints.empty();
  nlohmann::json j = {{"name", m.name}, {"model", m.identity()},
                      {"chat_template", http ? m.options.http.chat_template : m.options.llama.chat_template}};
  if (http) j["api"] = m.options.http.api;
  return j;
}

using detail::Part;

class Runner {
 public:
  Runner(const Config& c, const Log& log) : c_(c), log_(log) {}

  nlohmann::json run() {
    fs::create_directories(c_.out);
    util::write_file_atomic(c_.out / "config.resolved.json", resolved().dump(2) + "\n");
    prepare_data();
    const auto sets = plan_sets(c_);
    for (const auto& set : sets) produce(set);
    const fs::path metrics = evaluate(sets);
    const auto tables = make_tables(c_, sets, nlohmann::json::parse(read_text(metrics)), fit_health());
    util::write_file_atomic(c_.out / "tables.json", tables.dump(2) + "\n");
    util::write_file_atomic(c_.out / "tables.md", tables_markdown(c_, tables));
    say("tables written to " + (c_.out / "tables.md").string());
    return tables;
  }

 private:
  void say(const std::string& line) const {
    if (log_) log_(line);
  }

  static std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw Error("cannot read " + p.string());
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  nlohmann::json resolved() const {
    nlohmann::json models = nlohmann::json::array();
    for (const auto& m : c_.models) models.push_back(model_spec(m));
    return {{"config", fs::absolute(c_.file).string()}, {"name", c_.name}, {"data", data_spec()}, {"domain", c_.domain},
            {"encoder", c_.encoder}, {"models", models}, {"samples", c_.samples}, {"seeds", c_.seeds},
            {"methods", c_.methods}, {"ablations", c_.ablations}, {"mixing", c_.mixing},
            {"transfer", {{"fit", c_.transfer_fit}, {"simulate", c_.transfer_simulate}}}, {"labels", label_spec()}};
  }

  nlohmann::json data_spec() const {
    return {{"train", c_.data.train}, {"golden", c_.data.golden}, {"text", c_.data.text}, {"label", c_.data.label},
            {"context", c_.data.context.value_or("")}, {"max_train", c_.data.max_train},
            {"max_golden", c_.data.max_golden}, {"seed", c_.seeds.front()}};
  }

  nlohmann::json label_spec() const {
    return {{"mode", c_.labels.mode}, {"names", c_.labels.names}, {"conditions", c_.labels.conditions},
            {"template", c_.labels.condition_template}};
  }

  // Runs `work` unless `output` already exists with the same spec. The spec is written first, so a
  // step interrupted midway is continued (its own outputs are resumable) and never mixed with a
  // step of other settings.
  void step(const std::string& what, const fs::path& output, const nlohmann::json& spec, const std::function<void()>& work) {
    const fs::path spec_file = output.string() + ".spec.json";
    if (fs::exists(spec_file)) {
      nlohmann::json old;
      try {
        old = nlohmann::json::parse(read_text(spec_file));
      } catch (const nlohmann::json::exception&) {
        throw Error(spec_file.string() + ": not valid JSON; delete it and " + output.string() + " to redo the step");
      }
      if (old != spec)
        throw Error(what + ": " + output.string() + " was made with other settings (" + spec_file.string() +
                    "); delete both, or give the experiment another out folder");
      if (fs::exists(output)) {
        say(what + ": done earlier (" + output.string() + ")");
        return;
      }
    } else if (fs::exists(output)) {
      throw Error(what + ": " + output.string() + " exists but was not made by this experiment (no " + spec_file.string() +
                  "); move it away");
    }
    fs::create_directories(output.parent_path());
    util::write_file_atomic(spec_file, spec.dump(2) + "\n");
    say(what + ": running");
    work();
  }

  lm::LanguageModel& model(const std::string& name) {
    auto it = models_.find(name);
    if (it != models_.end()) return *it->second;
    // The main model scores (fits, PICLe, persona labels); so do the models gates are fitted with.
    const bool scores = name == c_.models.front().name ||
                        std::find(c_.transfer_fit.begin(), c_.transfer_fit.end(), name) != c_.transfer_fit.end();
    for (const auto& m : c_.models)
      if (m.name == name) {
        say("opening model " + name + " (" + m.identity() + ")");
        return *models_.emplace(name, lm::open_model(m.options, {.score = scores})).first->second;
      }
    throw Error("experiment: no model named " + name);
  }

  const ModelSpec& model_config(const std::string& name) const {
    for (const auto& m : c_.models)
      if (m.name == name) return m;
    throw Error("experiment: no model named " + name);
  }

  // --- data
  fs::path train_file() const { return c_.out / "data" / "train.jsonl"; }
  fs::path golden_file() const { return c_.out / "data" / "golden.jsonl"; }

  data::LoadOptions load_options(bool labels_required) const {
    data::LoadOptions o;
    o.text_field = c_.data.text;
    o.context_field = c_.data.context;
    if (labels_required) o.label_field = c_.data.label;
    return o;
  }

  void prepare_data() {
    const bool labelled = c_.labels.mode != "none";
    step("data: train", train_file(), data_spec(), [&] {
      auto records = data::load(c_.data.train, load_options(labelled)).records;
      if (c_.data.max_train > 0 && records.size() > c_.data.max_train)
        records = labelled ? data::stratified_sample(records, c_.data.max_train, c_.seeds.front())
                           : data::sample(records, c_.data.max_train, c_.seeds.front());
      data::write_jsonl(train_file(), records);
    });
    step("data: golden", golden_file(), data_spec(), [&] {
      auto records = data::load(c_.data.golden, load_options(labelled)).records;
      if (c_.data.max_golden > 0 && records.size() > c_.data.max_golden)
        records = labelled ? data::stratified_sample(records, c_.data.max_golden, c_.seeds.front())
                           : data::sample(records, c_.data.max_golden, c_.seeds.front());
      data::write_jsonl(golden_file(), records);
    });
    data::LoadOptions o;
    if (c_.data.context) o.context_field = "context";
    train_ = data::load(train_file(), o).records;
    golden_ = data::load(golden_file(), o).records;
    resolve_labels();
  }

  void resolve_labels() {
    const detail::LabelShares l = detail::resolve_labels(c_, train_);
    names_ = l.names;
    shares_ = l.shares;
  }

  std::optional<std::string> condition_for(const std::string& label) const { return detail::condition_for(c_, label); }

  std::vector<Part> parts(bool conditioned) const { return detail::label_parts(c_, {names_, shares_}, conditioned); }

  std::vector<std::string> contexts_for(const std::optional<std::string>& label) const {
    return detail::contexts_for(c_, golden_, label);
  }

  // --- personas and fits
  fs::path personas_file(bool generic) const { return c_.out / "personas" / (generic ? "generic.jsonl" : "personas.jsonl"); }

  nlohmann::json persona_spec(bool generic) const {
    const auto& p = c_.personas;
    return {{"generic", generic}, {"model", model_spec(c_.models.front())}, {"data", data_spec()}, {"encoder", c_.encoder},
            {"k", p.k}, {"per_cluster", p.per_cluster}, {"nearest", p.nearest}, {"restarts", p.kmeans_restarts},
            {"temperature", p.temperature}, {"max_tokens", p.max_tokens}, {"template", p.template_text},
            {"seed", c_.seeds.front()}, {"labels", c_.labels.mode == "persona" ? nlohmann::json(names_) : nlohmann::json()}};
  }

  const fs::path& personas(bool generic) {
    const fs::path& out = generic ? generic_personas_ : personas_;
    if (!out.empty()) return out;
    const fs::path file = personas_file(generic);
    step(generic ? "personas (generic, no data)" : "personas", file, persona_spec(generic), [&] {
      lm::LanguageModel& lm = model(c_.models.front().name);
      std::vector<method::Persona> ps;
      method::PersonaOptions o = c_.personas;
      o.seed = c_.seeds.front();
      util::ProgressBar bar(generic ? "personas (generic)" : "personas", static_cast<size_t>(o.k));
      const auto on_progress = [&](size_t d, size_t t) { bar.update(d, t); };
      if (generic) {
        ps = method::generic_personas(lm, o.k, c_.domain, o.seed, 1.0, o.max_tokens, on_progress);
      } else {
        std::vector<std::string> texts;
        for (const auto& r : train_) texts.push_back(r.text);
        auto encoder = embed::open_encoder(c_.encoder);
        if (encoder->fits_corpus()) encoder->fit_corpus(texts);
        const auto embeddings = embed::encode_with_progress(*encoder, texts, "embed for personas");
        ps = method::synthesize_personas(train_, embeddings, lm, o, on_progress);
      }
      bar.finish();
      if (c_.labels.mode == "persona") method::label_personas(lm, ps, names_, c_.domain);
      method::write_personas(file, ps);
    });
    (generic ? generic_personas_ : personas_) = file;
    return generic ? generic_personas_ : personas_;
  }

  fs::path fit(const std::string& model_name, const std::string& variant) {
    const std::string name = model_name + (variant.empty() ? "" : "-" + variant);
    const method::RunDir run(c_.out / "fits" / name);
    if (fitted_.count(name)) return run.root();
    const bool generic = variant == "generic_personas";
    const fs::path& persona_file = personas(generic);
    method::FitOptions o = c_.fit;
    o.seed = c_.seeds.front();
    o.no_exemplars = variant == "no_exemplars";
    nlohmann::json spec = {{"model", model_spec(model_config(model_name))}, {"personas", persona_spec(generic)},
                           {"options", method::fit_options_to_json(o)}, {"max_records", c_.fit_max_records},
                           {"encoder", c_.encoder}};
    step("fit " + name, run.gate(), spec, [&] {
      method::FitInputs in;
      in.records = train_;
      if (c_.fit_max_records > 0 && in.records.size() > c_.fit_max_records)
        in.records = data::sample(in.records, c_.fit_max_records, o.seed);
      in.personas = method::read_personas(persona_file);
      const auto n_personas = static_cast<int>(in.personas.size());
      in.encoder = embed::open_encoder(c_.encoder);
      in.lm = &model(model_name);
      in.provenance = {{"experiment", c_.name}, {"model", in.lm->id()}};
      o.resume = fs::exists(run.config());  // an interrupted fit continues from its checkpoint
      method::EpochReport last;
      auto bar = std::make_unique<util::ProgressBar>("fit " + name + " epoch 1", 0);
      const auto step = [&](size_t d, size_t t) { bar->update(d, t); };
      method::fit(run, std::move(in), o, step, [&](const method::EpochReport& r) {
        bar->finish();
        bar = std::make_unique<util::ProgressBar>("fit " + name + " epoch " + std::to_string(r.epoch + 1), 0);
        char line[160];
        std::snprintf(line, sizeof line, ": epoch %d train loss %.4f, val ll %.4f, gate uses %.1f pairs and %.1f personas", r.epoch,
                      r.train_loss, r.val_ll, r.effective_pairs, r.effective_personas);
        say("fit " + name + line);
        last = r;
      });
      const std::string budget = method::token_budget_summary(last.exemplars_cut, last.responses_cut, last.responses_skipped, o);
      if (!budget.empty()) say("fit " + name + ": token budgets: " + budget);
      if (const auto warning = method::collapse_warning(last, n_personas, o))
        say("fit " + name + ": warning: " + *warning);
    });
    fit_personas_[name] = method::read_personas(persona_file).size();
    fitted_.insert(name);
    return run.root();
  }

  // Each fitted gate's last epoch, as its train_log.jsonl has it (the fit health table).
  nlohmann::json fit_health() const {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& name : fitted_) {
      std::ifstream in(method::RunDir(c_.out / "fits" / name).train_log());
      std::string line, last;
      while (std::getline(in, line))
        if (!line.empty()) last = line;
      if (last.empty()) continue;
      const auto epoch = nlohmann::json::parse(last, nullptr, false);
      if (epoch.is_discarded()) continue;
      nlohmann::json row = {{"name", name}, {"personas", fit_personas_.at(name)}};
      for (const char* key : {"epoch", "effective_personas", "exemplars_per_persona", "tau_min", "tau_max",
                              "one_persona_share", "val_ll"})
        if (epoch.contains(key)) row[key] = epoch[key];
      out.push_back(row);
    }
    return out;
  }

  // --- synthetic sets
  void produce(const SetPlan& set) {
    const gen::GeneratorInfo& info = gen::find_generator(set.method);
    // Generators that read labelled personas take their persona's label when the experiment
    // labels personas; one that needs every label makes them all in one file; the others
    // generate under each label's condition.
    const bool conditioned =
        info.needs.persona_labels ? c_.labels.mode == "condition" : info.needs.all_labels.empty();
    const auto ps = parts(conditioned);
    fs::path run;
    if (info.needs.run) {
      const std::string variant =
          set.variant == "no_exemplars" || set.variant == "generic_personas" ? set.variant : std::string();
      run = fit(set.fit_model, variant);
    } else if (info.needs.personas) {
      personas(false);
    }
    nlohmann::json spec = {{"set", set.name}, {"method", set.method}, {"variant", set.variant}, {"mix", set.mix},
                           {"fit", set.fit_model}, {"simulate", model_spec(model_config(set.simulate_model))},
                           {"seed", set.seed}, {"samples", c_.samples}, {"labels", label_spec()},
                           {"max_tokens", c_.generation.max_tokens}, {"top_p", c_.generation.top_p},
                           {"stop", c_.generation.stop}, {"max_context_tokens", c_.generation.max_context_tokens}};
    if (!info.needs.run) spec["temperature"] = c_.baseline_temperature;
    if (const auto it = c_.settings.find(set.method); it != c_.settings.end() && !it->second.empty())
      spec[set.method] = it->second;
    if (info.needs.encoder && !info.needs.run) spec["encoder"] = c_.encoder;
    if (set.variant == "random_personas") spec["similar_k"] = c_.similar_k;
    step("set " + set.name, set.output, spec, [&] {
      std::vector<fs::path> files;
      for (size_t i = 0; i < ps.size(); ++i) {
        const fs::path part = ps.size() == 1 ? set.output.string() + ".part.jsonl"
                                             : set.output.string() + ".part" + std::to_string(i) + ".jsonl";
        generate_part(set, info, run, ps[i], part);
        files.push_back(part);
      }
      merge(files, set.output);
      for (const auto& f : files) fs::remove(f);
    });
  }

  nlohmann::json set_settings(const SetPlan& set, const gen::GeneratorInfo& info) const {
    return detail::set_settings(c_, {names_, shares_}, set, info);
  }

  void generate_part(const SetPlan& set, const gen::GeneratorInfo& info, const fs::path& run, const Part& part,
                     const fs::path& out) {
    if (fs::exists(out)) return;  // finished before an interruption
    lm::LanguageModel& lm = model(set.simulate_model);
    gen::Inputs in;
    in.lm = &lm;
    in.options.n = part.n;
    in.options.seed = set.seed;
    in.options.max_tokens = c_.generation.max_tokens;
    in.options.top_p = c_.generation.top_p;
    in.options.stop = c_.generation.stop;
    in.options.condition = part.condition;
    in.options.label = part.label;
    in.options.contexts = contexts_for(part.label);
    in.options.chunk = c_.generation.chunk;
    in.options.max_context_tokens = c_.generation.max_context_tokens;
    gen::budget_contexts(lm, in.options);
    in.domain = c_.domain;
    in.temperature = c_.baseline_temperature;
    in.settings = set_settings(set, info);
    in.run = run;
    if (info.needs.personas) in.personas = method::read_personas(personas(false));
    if (info.needs.records) in.records = train_;
    std::shared_ptr<embed::Encoder> encoder;
    if (info.needs.encoder) {
      encoder = embed::open_encoder(c_.encoder);
      in.encoder = encoder.get();
    }
    auto generator = info.make(in);
    util::ProgressBar bar("set " + set.name, in.options.n);
    gen::run_generator(*generator, lm, out, in.options, [&](size_t d, size_t t) { bar.update(d, t); });
  }

  // The parts, in order, as one file with indices 0..n-1 (written atomically).
  static void merge(const std::vector<fs::path>& parts, const fs::path& out) {
    std::string text;
    size_t index = 0;
    for (const auto& p : parts)
      for (auto& line : util::read_jsonl_objects(p.string())) {
        nlohmann::json j = line.value;
        j["index"] = index++;
        text += util::dump_json_line(j) + "\n";
      }
    util::write_file_atomic(out, text);
  }

  // --- evaluation
  fs::path evaluate(const std::vector<SetPlan>& sets) {
    eval::EvalJob job;
    job.golden = golden_file().string();
    for (const auto& s : sets) {
      job.synthetic.push_back(s.output.string());
      job.names.push_back(s.name);
    }
    if (c_.eval.ceiling && c_.labels.mode != "none") job.train = train_file().string();
    job.encoder = c_.encoder;
    job.suite.classifier = eval::parse_classifier(c_.eval.classifier);
    job.suite.mauve.num_clusters = c_.eval.mauve_clusters;
    job.suite.prdc.nearest_k = c_.eval.prdc_k;
    job.suite.subgroups.clusters = c_.eval.subgroups;
    job.suite.subgroups.group_by = c_.eval.group_by;
    if (c_.eval.seed) {
      const uint64_t s = *c_.eval.seed;
      job.suite.mauve.seed = static_cast<int>(s % 1'000'000'000);
      job.suite.kl_cosine.seed = s;
      job.suite.fasttext.seed = static_cast<int>(s % 1'000'000'000);
      job.suite.subgroups.seed = static_cast<int>(s % 1'000'000'000);
      job.suite.seed = s;
    }
    job.out = c_.out / "eval";
    const nlohmann::json spec = {{"golden", job.golden}, {"sets", job.names}, {"files", job.synthetic},
                                 {"train", job.train}, {"encoder", job.encoder}, {"classifier", c_.eval.classifier},
                                 {"mauve_clusters", c_.eval.mauve_clusters}, {"prdc_k", c_.eval.prdc_k},
                                 {"subgroups", c_.eval.subgroups}, {"group_by", c_.eval.group_by},
                                 {"seed", c_.eval.seed ? nlohmann::json(*c_.eval.seed) : nlohmann::json()}};
    const fs::path metrics = job.out / "metrics.json";
    // The set list grows when a config gains methods: evaluate again rather than refuse.
    const fs::path spec_file = metrics.string() + ".spec.json";
    if (fs::exists(spec_file) && nlohmann::json::parse(read_text(spec_file)) != spec) {
      fs::remove(spec_file);
      fs::remove(metrics);
    }
    step("evaluate", metrics, spec, [&] { eval::run_eval_job(job, [&](const std::string& l) { say("eval: " + l); }); });
    return metrics;
  }

  const Config& c_;
  Log log_;
  std::map<std::string, std::unique_ptr<lm::LanguageModel>> models_;
  std::vector<data::Record> train_, golden_;
  std::vector<std::string> names_;
  std::vector<size_t> shares_;
  fs::path personas_, generic_personas_;
  std::set<std::string> fitted_;
  std::map<std::string, size_t> fit_personas_;
};

}  // namespace

nlohmann::json run(const Config& config, const Log& log) { return Runner(config, log).run(); }

}  // namespace mop::experiment
