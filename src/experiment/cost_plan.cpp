// The experiment's cost plan: the runner's steps (runner.cpp), in its order, with their LM work,
// counted without running them. What the runner decides at run time (labels' shares, each set's
// parts, which fit a set needs, which steps are done) is decided here the same way: keep the two
// in step.
#include "mop/experiment_plan.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <set>

#include "experiment/label_parts.h"
#include "method/token_budget.h"
#include "mop/error.h"
#include "mop/fit_plan.h"
#include "mop/generators.h"
#include "mop/run_dir.h"
#include "mop/simulator.h"

namespace mop::experiment {
namespace fs = std::filesystem;
namespace {

constexpr const char* kDone = "done (skipped)";
constexpr const char* kContinues = "continues (partly done)";

using detail::Part;

struct PlanModel {
  std::unique_ptr<lm::LanguageModel> lm;
  method::ScoreShape shape;
  method::LmRates rates;
  bool opened_in_plan = false;  // its "open model" row is in the plan
};

class Planner {
 public:
  Planner(const Config& c, const Log& log) : c_(c), log_(log), domain_(method::domain_by_name(c.domain)) {}

  CostPlan run() {
    prepare_data();
    for (const auto& set : plan_sets(c_)) produce(set);
    evaluate();
    CostPlan out;
    for (const auto& [name, m] : models_) out.rates[name] = m.rates;
    method::fill_seconds(steps_, out.rates);
    out.steps = std::move(steps_);
    return out;
  }

 private:
  void say(const std::string& line) const {
    if (log_) log_(line);
  }

  method::PlannedStep& add(const std::string& name, const std::string& model, bool done) {
    method::PlannedStep s;
    s.name = name;
    s.model = model;
    s.status = done ? kDone : "to run";
    if (!done && !model.empty()) opening_row(model);
    steps_.push_back(std::move(s));
    return steps_.back();
  }

  // The run opens a model when a step first needs it: that load is a row of its own.
  void opening_row(const std::string& name) {
    PlanModel& m = model(name);
    if (m.opened_in_plan) return;
    m.opened_in_plan = true;
    method::PlannedStep s;
    s.name = "open model " + name;
    s.model = name;
    if (m.rates.known) s.seconds = m.rates.load_s;
    steps_.push_back(std::move(s));
  }

  const ModelSpec& spec(const std::string& name) const {
    for (const auto& m : c_.models)
      if (m.name == name) return m;
    throw Error("experiment: no model named " + name);
  }

  PlanModel& model(const std::string& name) {
    auto it = models_.find(name);
    if (it != models_.end()) return it->second;
    const ModelSpec& m = spec(name);
    PlanModel pm;
    if (!m.options.http.endpoints.empty()) {
      pm.lm = method::approximate_model(m.identity());
      pm.shape = {m.options.http.max_in_flight * static_cast<int>(m.options.http.endpoints.size()), 1 << 30};
      pm.rates.why_unknown = "served by endpoints, which the plan sends nothing (a probe would cost what the plan is "
                             "there to weigh); token counts there are about four characters a token";
      return models_.emplace(name, std::move(pm)).first->second;
    }
    say("plan: opening model " + name + " (" + m.identity() + ")");
    const auto t0 = std::chrono::steady_clock::now();
    pm.lm = lm::open_model(m.options, {});
    const double load = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto& o = m.options.llama;
    pm.shape = {o.n_parallel, o.n_ctx > 0 ? o.n_ctx : 1 << 30, o.kv_streams};
    say("plan: probing model " + name);
    pm.rates = method::probe_rates(*pm.lm, probe_sample(*pm.lm, pm.shape), pm.shape);
    pm.rates.load_s = load;
    return models_.emplace(name, std::move(pm)).first->second;
  }

  // Prompts like MoP's (a stand-in persona, one training record as exemplar) and training
  // records as continuations, within the fit's token budgets as the fit cuts them: the shape of
  // most of an experiment's LM work.
  method::ProbeSample probe_sample(lm::LanguageModel& lm, const method::ScoreShape& shape) const {
    method::ProbeSample s;
    const size_t n = std::min<size_t>(static_cast<size_t>(std::max(1, shape.parallel)), train_.size());
    std::vector<std::string> exemplars, contexts, continuations;
    for (size_t i = 0; i < n; ++i) {
      const auto& r = train_[(i * 7919) % train_.size()];
      exemplars.push_back(r.text);
      contexts.push_back(r.context.value_or(""));
      continuations.push_back(train_[(i * 104729 + 1) % train_.size()].text);
    }
    const auto cut = [&](std::vector<std::string>& texts, int budget, const std::string& marker) {
      if (budget <= 0) return;
      const auto fitted = method::fit_to_budget(lm, texts, static_cast<size_t>(budget), marker);
      for (size_t i = 0; i < texts.size(); ++i) texts[i] = fitted[i].text;
    };
    cut(exemplars, c_.fit.max_exemplar_tokens, method::kCutMarker);
    cut(contexts, c_.fit.max_context_tokens, method::kCutMarker);
    cut(continuations, c_.fit.max_response_tokens, "");
    for (size_t i = 0; i < n; ++i) {
      const auto& r = train_[(i * 7919) % train_.size()];
      const std::optional<std::string> context = r.context ? std::optional<std::string>(contexts[i]) : std::nullopt;
      s.score_prompts.push_back(
          lm.render(stand_in_persona(i), method::generation_instruction(domain_, {{exemplars[i], context}}, context)));
    }
    s.continuations = std::move(continuations);
    s.generate_prompt = s.score_prompts.front();
    s.max_tokens = std::min(32, c_.generation.max_tokens);
    return s;
  }

  std::string stand_in_persona(size_t i) const {
    // The text mop itself gives a persona whose reply had nothing usable (personas.cpp).
    return "You are a person who writes " + domain_.noun + "s like the ones in cluster " + std::to_string(i) + ".";
  }

  // --- data (as Runner::prepare_data, reading the sources; OUT/data holds the same records)
  void prepare_data() {
    const bool labelled = c_.labels.mode != "none";
    const auto load = [&](const std::string& path, size_t max) {
      data::LoadOptions o;
      o.text_field = c_.data.text;
      o.context_field = c_.data.context;
      if (labelled) o.label_field = c_.data.label;
      auto records = data::load(path, o).records;
      if (max > 0 && records.size() > max)
        records = labelled ? data::stratified_sample(records, max, c_.seeds.front()) : data::sample(records, max, c_.seeds.front());
      return records;
    };
    train_ = load(c_.data.train, c_.data.max_train);
    golden_ = load(c_.data.golden, c_.data.max_golden);
    add("data: train", "", fs::exists(c_.out / "data" / "train.jsonl"));
    add("data: golden", "", fs::exists(c_.out / "data" / "golden.jsonl"));
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

  // --- personas
  const std::vector<method::Persona>& personas(bool generic) {
    auto& cached = generic ? generic_personas_ : personas_;
    if (!cached.empty()) return cached;
    const fs::path file = c_.out / "personas" / (generic ? "generic.jsonl" : "personas.jsonl");
    const std::string main = c_.models.front().name;
    const bool done = fs::exists(file);
    auto& step = add(generic ? "personas (generic, no data)" : "personas", main, done);
    if (done) {
      cached = method::read_personas(file);
      return cached;
    }
    lm::LanguageModel& lm = *model(main).lm;
    const auto& o = c_.personas;
    const size_t k = generic ? static_cast<size_t>(std::max(1, o.k)) : std::min<size_t>(static_cast<size_t>(std::max(1, o.k)), train_.size());
    for (size_t i = 0; i < k; ++i) cached.push_back({static_cast<int>(i), stand_in_persona(i), 0, {}, std::nullopt});
    std::vector<std::string> prompts;
    if (generic) {
      prompts.assign(k, lm.render(std::string(), method::generic_persona_instruction(domain_)));
      step.notes.push_back("generic personas: plus redraws of duplicates (up to 3 more rounds of the duplicates)");
    } else {
      // The run shows each cluster's members; seeded draws of training records stand in for them.
      std::mt19937_64 rng(c_.seeds.front());
      const std::string templ = o.template_text.empty() ? domain_.summarize : o.template_text;
      for (size_t c = 0; c < k; ++c) {
        std::vector<method::Example> ex;
        for (int s = 0; s < o.per_cluster; ++s) {
          const auto& r = train_[rng() % train_.size()];
          ex.push_back({r.text, r.context});
        }
        prompts.push_back(lm.render(std::string(), method::summarization_instruction(templ, domain_, ex)));
      }
      step.notes.push_back("personas: k-means clusters stood in for by random members; personas not yet written are "
                           "stood in for by a one-sentence placeholder in later prompts");
    }
    for (size_t t : lm.count_tokens(prompts)) step.work.generate_prompt_tokens += t;
    step.work.generate_requests += k;
    step.work.generate_max_tokens += k * static_cast<size_t>(o.max_tokens);
    if (c_.labels.mode == "persona") label_work(step.work, lm, cached);
    return cached;
  }

  // label_personas: each persona's multiple-choice question, scored once per option letter.
  void label_work(method::LmWork& w, lm::LanguageModel& lm, const std::vector<method::Persona>& ps) {
    std::vector<method::PlannedScore> reqs;
    std::vector<std::string> prompts, letters;
    for (size_t i = 0; i < names_.size(); ++i) letters.push_back(method::choice_letter(i));
    const auto lt = lm.count_tokens(letters);
    for (const auto& p : ps) prompts.push_back(lm.render(std::string(), method::persona_label_question(domain_, p.text, names_)));
    const auto pt = lm.count_tokens(prompts);
    for (size_t p = 0; p < prompts.size(); ++p)
      for (size_t i = 0; i < letters.size(); ++i) reqs.push_back({prompts[p], pt[p], lt[i]});
    method::add_score_call(w, reqs, model(c_.models.front().name).shape);
  }

  // --- fits (as Runner::fit)
  struct Fitted {
    method::FitPlan plan;
    std::vector<method::Persona> personas;
  };

  const Fitted& fit(const std::string& model_name, Variant variant) {
    const std::string name = model_name + (variant == Variant::none ? "" : "-" + variant_name(variant));
    if (auto it = fits_.find(name); it != fits_.end()) return it->second;
    const bool generic = variant == Variant::generic_personas;
    Fitted f;
    f.personas = personas(generic);
    method::FitOptions o = c_.fit;
    o.seed = c_.seeds.front();
    o.no_exemplars = variant == Variant::no_exemplars;
    method::FitPlanInputs in;
    in.records = train_;
    if (c_.fit_max_records > 0 && in.records.size() > c_.fit_max_records)
      in.records = data::sample(in.records, c_.fit_max_records, o.seed);
    in.personas = f.personas;
    PlanModel& m = model(model_name);
    in.lm = m.lm.get();
    in.options = o;
    in.shape = m.shape;
    f.plan = method::plan_fit(in);
    // Finished epochs: the run's checkpoints (it resumes after the newest), or all with gate.bin.
    const method::RunDir run(c_.out / "fits" / name);
    int done = fs::exists(run.gate()) ? o.epochs : 0;
    if (!done && fs::exists(run.checkpoints()))
      for (const auto& [epoch, path] : run.list_checkpoints()) done = std::max(done, epoch);
    auto steps = method::fit_steps(f.plan, "fit " + name, model_name);
    for (size_t e = 0; e < steps.size(); ++e) {
      auto& s = add(steps[e].name, model_name, static_cast<int>(e) < done);
      s.work = steps[e].work;
      s.notes = steps[e].notes;
    }
    return fits_.emplace(name, std::move(f)).first->second;
  }

  // --- sets (as Runner::produce and Runner::set_settings)
  nlohmann::json set_settings(const SetPlan& set, const gen::GeneratorInfo& info) const {
    return detail::set_settings(c_, set, info);
  }

  void produce(const SetPlan& set) {
    const gen::GeneratorInfo& info = gen::find_generator(set.method);
    const bool conditioned = info.needs.persona_labels ? c_.labels.mode == "condition" : info.needs.all_labels.empty();
    const auto ps = parts(conditioned);
    const Fitted* fitted = nullptr;
    if (info.needs.run) {
      fitted = &fit(set.fit_model, fit_variant(set.variant));
    } else if (info.needs.personas) {
      personas(false);
    }
    const bool done = fs::exists(set.output);
    auto& step = add("set " + set.name, set.simulate_model, done);
    PlanModel& m = model(set.simulate_model);
    gen::PlanInputs in;
    in.lm = m.lm.get();
    in.domain = &domain_;
    in.settings = set_settings(set, info);
    in.classes = detail::set_classes(c_, {names_, shares_}, set, info);
    in.personas = fitted ? fitted->personas : personas_;
    if (fitted) in.exemplars = fitted->plan.exemplars;
    in.train = &train_;
    in.shape = m.shape;
    in.max_tokens = c_.generation.max_tokens;
    in.max_context_tokens = c_.generation.max_context_tokens;
    in.seed = set.seed;
    bool partial = false;
    for (size_t i = 0; i < ps.size(); ++i) {
      const fs::path part = ps.size() == 1 ? set.output.string() + ".part.jsonl" : set.output.string() + ".part" + std::to_string(i) + ".jsonl";
      if (!done && fs::exists(part)) {  // finished before an interruption: the run keeps it
        partial = true;
        continue;
      }
      partial = partial || fs::exists(part.string() + ".partial");
      gen::GenerationOptions cut;  // the contexts as the run cuts them
      cut.contexts = contexts_for(ps[i].label);
      cut.max_context_tokens = c_.generation.max_context_tokens;
      gen::budget_contexts(*in.lm, cut);
      in.n = ps[i].n;
      in.condition = ps[i].condition;
      in.contexts = cut.contexts;
      if (info.plan) {
        step.work += info.plan(in, step.notes);
      } else {
        step.notes.push_back("set " + set.name + ": " + info.name + " has no plan of its own; counted as plain prompts");
        step.work += gen::plain_plan(in);
      }
    }
    step.notes.push_back("sets: new tokens are at most samples x max_tokens (a sample may stop early)");
    if (!done && partial) {
      step.status = kContinues;
      step.notes.push_back("a set that continues is counted whole for its unfinished parts: an upper bound");
    }
  }

  void evaluate() {
    bool all_done = fs::exists(c_.out / "eval" / "metrics.json");
    for (const auto& s : steps_)
      if (s.status != kDone) all_done = false;
    auto& step = add("evaluate", "", all_done);
    step.notes.push_back("evaluate: no LM work; its time (embedding, metrics, report) is not in the estimate, nor is other "
                         "work without the LM (k-means, encoders, ProGen's classifier)");
  }

  const Config& c_;
  Log log_;
  const method::Domain& domain_;
  std::vector<method::PlannedStep> steps_;
  std::map<std::string, PlanModel> models_;
  std::vector<data::Record> train_, golden_;
  std::vector<std::string> names_;
  std::vector<size_t> shares_;
  std::vector<method::Persona> personas_, generic_personas_;
  std::map<std::string, Fitted> fits_;
};

}  // namespace

CostPlan plan_costs(const Config& config, const Log& log) { return Planner(config, log).run(); }

}  // namespace mop::experiment
