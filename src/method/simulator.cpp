#include "mop/simulator.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "mop/error.h"
#include "mop/gate.h"
#include "mop/prompts.h"

namespace mop::method {
namespace fs = std::filesystem;
namespace {

int draw(const Eigen::Ref<const Eigen::VectorXd>& log_p, std::mt19937_64& rng) {
  const double u = gen::uniform01(rng);
  double acc = 0;
  int last = -1;
  for (int i = 0; i < log_p.size(); ++i) {
    if (!std::isfinite(log_p[i])) continue;
    acc += std::exp(log_p[i]);
    last = i;
    if (u < acc) return i;
  }
  return last;  // rounding: the last possible outcome
}

// One sample's draws: its personas and exemplars (L of each when mixing) and temperature.
struct Sample {
  std::optional<std::string> context;
  size_t c = 0;  // the context's row
  std::vector<int> personas, exemplars;
  double tau = 0;
  std::string persona_text;  // merged when mixing
};

// The `k` exemplars with the highest cosine to the persona (+ the context, when there is one);
// rows are unit-norm, so dot products are cosines. Ties go to the lower exemplar id.
std::vector<int> nearest_exemplars(const Eigen::Ref<const Eigen::RowVectorXd>& persona, const MatrixRM* contexts, size_t c,
                                   const MatrixRM& exemplars, int k) {
  Eigen::VectorXd score = exemplars * persona.transpose();
  if (contexts) score += exemplars * contexts->row(static_cast<Eigen::Index>(c)).transpose();
  std::vector<int> order(static_cast<size_t>(score.size()));
  for (size_t j = 0; j < order.size(); ++j) order[j] = static_cast<int>(j);
  const size_t keep = std::min(order.size(), static_cast<size_t>(k));
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(keep), order.end(),
                    [&](int a, int b) { return score[a] > score[b] || (score[a] == score[b] && a < b); });
  order.resize(keep);
  return order;
}

class MopGenerator final : public gen::Generator {
 public:
  MopGenerator(const RunDir& run, embed::Encoder& encoder, lm::LanguageModel& lm, const SimulateOptions& o)
      : run_(run), lm_(lm), o_(o), gate_(Gate::load(run.gate())) {
    if (o.mix < 1) throw Error("--mix must be at least 1");
    if (o.similar_k < 1) throw Error("--similar-k must be at least 1");
    const auto config = run.read_config();
    personas_ = read_personas(run.personas());
    const FitOptions fitted = fit_options_from_json(config.at("options"));
    no_exemplars_ = fitted.no_exemplars;
    if (!no_exemplars_) exemplars_ = run.read_exemplars();
    if (gate_.n_personas() != static_cast<int>(personas_.size()))
      throw Error(run.root().string() + ": gate.bin has " + std::to_string(gate_.n_personas()) + " personas, personas.jsonl " +
                  std::to_string(personas_.size()));
    if (encoder.fits_corpus()) encoder.load_state(run.encoder_state());
    if (encoder.id() != config.value("encoder", encoder.id()))
      throw Error("encoder " + encoder.id() + " is not the one the run was fitted with (" + config.value("encoder", "") + ")");
    domain_ = &domain_by_name(fitted.domain);
    tau_init_ = fitted.gate.tau_init;
    if (o.gate == GateMode::random_similar && no_exemplars_)
      throw Error("--gate random-similar needs a run fitted with exemplars");

    std::vector<std::string> persona_texts, exemplar_texts;
    for (const auto& p : personas_) persona_texts.push_back(p.text);
    for (const auto& e : exemplars_) exemplar_texts.push_back(e.text);
    hg_ = encoder.encode(persona_texts).cast<double>();
    he_ = no_exemplars_ ? MatrixRM::Zero(1, hg_.cols()) : MatrixRM(encoder.encode(exemplar_texts).cast<double>());
    proj_ = gate_.project(hg_, he_);
    contexts_ = o.contexts.empty() ? std::vector<std::string>{""} : o.contexts;
    hx_ = encoder.encode(contexts_).cast<double>();
  }

  nlohmann::json identity() const override {
    nlohmann::json j = {{"run", std::filesystem::absolute(run_.root()).string()}, {"mix", o_.mix}};
    if (o_.gate != GateMode::learned) j["gate"] = {{"mode", gate_mode_name(o_.gate)}, {"similar_k", o_.similar_k}};
    return j;
  }

  void prepare_chunk(const std::vector<size_t>& indices) override {
    samples_.clear();
    for (size_t index : indices) samples_.emplace(index, draw_sample(index));
    if (o_.mix > 1) merge_personas();
  }

  gen::Planned plan(size_t index) override {
    const Sample& s = samples_.at(index);
    std::vector<Example> ex;
    if (!no_exemplars_)
      for (int j : s.exemplars) ex.push_back({exemplars_[j].text, exemplars_[j].context});
    gen::Planned p;
    p.context = s.context;
    p.label = personas_[s.personas[0]].label;
    p.messages = lm::persona_messages(s.persona_text, generation_instruction(*domain_, ex, s.context, o_.condition));
    p.temperature = s.tau;
    p.provenance = {{"persona_id", s.personas[0]}, {"exemplar_id", s.exemplars[0]}, {"tau", s.tau},
                    {"run", run_.root().string()}};
    if (o_.mix > 1) {
      p.provenance["persona_ids"] = s.personas;
      p.provenance["exemplar_ids"] = s.exemplars;
      p.provenance["merged_persona"] = s.persona_text;
    }
    return p;
  }

 private:
  Sample draw_sample(size_t index) const {
    Sample s;
    std::mt19937_64 rng = gen::sample_rng(o_.seed, index);
    s.c = o_.contexts.empty() ? 0 : index % contexts_.size();
    if (!o_.contexts.empty()) s.context = contexts_[s.c];
    if (o_.gate == GateMode::learned) {
      const Forward f = gate_.forward(hx_.row(static_cast<Eigen::Index>(s.c)).transpose(), proj_);
      for (int l = 0; l < o_.mix; ++l) {
        const int k = draw(f.log_pi, rng);
        s.personas.push_back(k);
        s.exemplars.push_back(draw(f.log_omega.row(k).transpose(), rng));
        s.tau += gate_.tau()[k] / o_.mix;
      }
    } else {
      for (int l = 0; l < o_.mix; ++l) {
        const int k = static_cast<int>(gen::uniform01(rng) * static_cast<double>(personas_.size()));
        const auto near = nearest_exemplars(hg_.row(k), o_.contexts.empty() ? nullptr : &hx_, s.c, he_, o_.similar_k);
        s.personas.push_back(k);
        s.exemplars.push_back(near[static_cast<size_t>(gen::uniform01(rng) * static_cast<double>(near.size()))]);
      }
      s.tau = tau_init_;
    }
    s.persona_text = personas_[s.personas[0]].text;
    return s;
  }

  // Each sample's L personas merged into one by the LM (greedy); an empty answer keeps the first.
  void merge_personas() {
    std::vector<lm::GenerateRequest> merges;
    std::vector<Sample*> order;
    for (auto& [index, s] : samples_) {
      std::vector<std::string> texts;
      for (int k : s.personas) texts.push_back(personas_[k].text);
      lm::GenerateRequest r = lm_.request(std::string(), merge_instruction(texts));
      r.sampling.temperature = 0;
      r.sampling.max_tokens = 64;
      r.sampling.stop = {"\n\n"};
      merges.push_back(std::move(r));
      order.push_back(&s);
    }
    const auto merged = lm_.generate(merges);
    for (size_t i = 0; i < order.size(); ++i) {
      const std::string m = clean_persona(merged[i].text);
      if (!m.empty()) order[i]->persona_text = m;
    }
  }

  RunDir run_;
  lm::LanguageModel& lm_;
  SimulateOptions o_;
  Gate gate_;
  std::vector<Persona> personas_;
  std::vector<Exemplar> exemplars_;
  bool no_exemplars_ = false;
  const Domain* domain_ = nullptr;
  double tau_init_ = 0;
  MatrixRM hg_, he_, hx_;
  Projected proj_;
  std::vector<std::string> contexts_;
  std::map<size_t, Sample> samples_;  // the chunk's draws, by index
};

}  // namespace

GateMode parse_gate_mode(const std::string& name) {
  if (name == "learned") return GateMode::learned;
  if (name == "random-similar") return GateMode::random_similar;
  throw Error("--gate must be learned or random-similar, got " + name);
}

std::string gate_mode_name(GateMode mode) { return mode == GateMode::learned ? "learned" : "random-similar"; }

std::unique_ptr<gen::Generator> mop_generator(const RunDir& run, embed::Encoder& encoder, lm::LanguageModel& lm,
                                              const SimulateOptions& options) {
  return std::make_unique<MopGenerator>(run, encoder, lm, options);
}

namespace {

// The cost plan's view of a MoP set: personas and exemplars drawn uniformly stand in for the
// gate's draws; with mixing, one greedy merge per sample first (merge_personas, at most 64 tokens).
method::LmWork mop_plan(const gen::PlanInputs& in, std::vector<std::string>& notes) {
  method::LmWork w;
  const int mix = in.settings.at("mix").get<int>();
  const size_t k = in.personas.size();
  if (k == 0) throw Error("plan: a mop set has no personas");
  std::mt19937_64 rng(in.seed ^ 0x5E7ull);
  const auto draw = [&]() {
    std::vector<size_t> personas;
    std::vector<Example> ex;
    for (int l = 0; l < mix; ++l) {
      personas.push_back(rng() % k);
      if (!in.exemplars.empty()) ex.push_back(in.exemplars[rng() % in.exemplars.size()]);
    }
    return std::make_pair(personas, ex);
  };
  if (mix > 1) {
    gen::plan_generations(w, *in.lm, in.n, 64, [&](size_t) {
      std::vector<std::string> texts;
      for (size_t p : draw().first) texts.push_back(in.personas[p].text);
      return in.lm->render(std::string(), merge_instruction(texts));
    });
    notes.push_back("mixing sets: each merged persona (at most 64 tokens) is stood in for by one of the personas it merges");
  }
  gen::plan_generations(w, *in.lm, in.n, in.max_tokens, [&](size_t i) {
    const auto [personas, ex] = draw();
    return in.lm->render(in.personas[personas.front()].text, generation_instruction(*in.domain, ex, in.context(i), in.condition));
  });
  notes.push_back("mop sets: personas and exemplars drawn uniformly, standing in for the gate's draws");
  return w;
}

}  // namespace

gen::GeneratorInfo mop_generator_info() {
  gen::GeneratorInfo info;
  info.name = "mop";
  info.summary = "Mixture of Personas: persona and exemplar drawn from the fitted gate (Bui et al. 2025)";
  info.baseline = false;
  info.needs.encoder = true;
  info.needs.run = true;
  info.needs.persona_labels = true;
  const SimulateOptions d;
  info.settings = {gen::Setting::integer("mix", d.mix, "L: personas merged into one per sample", 1),
                   gen::Setting::text("gate", gate_mode_name(d.gate), "learned | random-similar"),
                   gen::Setting::integer("similar_k", d.similar_k, "random-similar: nearest exemplars drawn from", 1)};
  info.make = [](const gen::Inputs& in) {
    SimulateOptions o;
    static_cast<gen::GenerationOptions&>(o) = in.options;
    o.mix = in.settings.at("mix");
    o.gate = parse_gate_mode(in.settings.at("gate").get<std::string>());
    o.similar_k = in.settings.at("similar_k");
    return mop_generator(RunDir(in.run), *in.encoder, *in.lm, o);
  };
  info.plan = mop_plan;
  return info;
}

void simulate(const RunDir& run, embed::Encoder& encoder, lm::LanguageModel& lm, const fs::path& out,
              const SimulateOptions& o, const lm::Progress& progress) {
  auto generator = mop_generator(run, encoder, lm, o);
  gen::run_generator(*generator, lm, out, o, progress);
}

}  // namespace mop::method
