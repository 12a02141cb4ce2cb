// ProGen: label-conditioned generation in rounds, each round prompted with the most helpful
// samples of the rounds before it (see progen_feedback.cpp and docs/baselines.md).
#include <algorithm>
#include <cstdio>
#include <set>

#include "baselines/baseline_generator.h"
#include "baselines/progen_feedback.h"
#include "mop/baselines.h"
#include "mop/error.h"

namespace mop::baselines {
namespace {

void check(const ProgenOptions& po, const gen::GenerationOptions& o) {
  if (po.classes.size() < 2) throw Error("progen needs two or more --class LABEL=CONDITION (the classifier's classes)");
  std::set<std::string> seen;
  for (const auto& c : po.classes) {
    if (c.label.empty() || c.condition.empty()) throw Error("progen: a class needs a label and a condition");
    if (!seen.insert(c.label).second) throw Error("progen: --class label '" + c.label + "' is given twice");
  }
  if (o.label || !o.condition.empty())
    throw Error("progen takes each sample's label and condition from --class; --label and --condition do not apply");
  if (po.helpful < static_cast<size_t>(po.shots))
    throw Error("--helpful " + std::to_string(po.helpful) + " is smaller than --shots " + std::to_string(po.shots));
  // Every label needs K samples in round 0 to fill round 1's prompts.
  const size_t first = progen_round_start(o.n, po.rounds, 1), need = po.classes.size() * static_cast<size_t>(po.shots);
  if (po.rounds > 1 && first < need)
    throw Error("progen: -n " + std::to_string(o.n) + " in " + std::to_string(po.rounds) + " rounds gives a first round of " +
                std::to_string(first) + " samples; it needs at least classes x --shots = " + std::to_string(need));
}

nlohmann::json progen_identity(const ProgenOptions& po, const embed::Encoder& encoder) {
  nlohmann::json classes = nlohmann::json::array();
  for (const auto& c : po.classes) classes.push_back({{"label", c.label}, {"condition", c.condition}});
  const auto& in = po.influence;
  return {{"classes", classes}, {"rounds", po.rounds}, {"shots", po.shots}, {"helpful", po.helpful},
          {"encoder", encoder.id()},
          {"influence", {{"l2", in.classifier.l2}, {"max_iter", in.classifier.max_iter}, {"tolerance", in.classifier.tolerance},
                         {"history", in.classifier.history}, {"rce_log_zero", in.rce_log_zero}, {"damping", in.damping}}}};
}

class Progen final : public detail::BaselineGenerator {
 public:
  Progen(const gen::Inputs& in, ProgenOptions po)
      : BaselineGenerator("progen", in, progen_identity(po, *in.encoder)), po_(std::move(po)), encoder_(*in.encoder) {
    check(po_, options_);
  }

  size_t stages() const override { return static_cast<size_t>(po_.rounds); }
  size_t stage_of(size_t index) const override {
    int r = 0;
    while (index >= progen_round_start(options_.n, po_.rounds, r + 1)) ++r;
    return static_cast<size_t>(r);
  }

  void begin_stage(size_t stage, const std::map<size_t, std::string>& written) override {
    round_ = static_cast<int>(stage);
    feedback_ = {};
    if (round_ == 0) return;
    std::fprintf(stderr, "mop: progen: round %d (rounds 0 to %d)\n", round_, po_.rounds - 1);
    feedback_ = detail::progen_feedback(written, progen_round_start(options_.n, po_.rounds, round_), encoder_, po_);
  }

  gen::Planned plan(size_t index) override {
    const size_t k = index % po_.classes.size();
    gen::Planned p = planned(index);
    p.label = po_.classes[k].label;
    std::vector<method::Example> exemplars;
    nlohmann::json ids = nlohmann::json::array(), scores = nlohmann::json::array();
    if (round_ > 0) {
      // K distinct picks from the label's pool (partial Fisher-Yates), shown best first.
      if (feedback_.ids[k].size() < static_cast<size_t>(po_.shots))
        throw Error("progen: label '" + po_.classes[k].label + "' has fewer than --shots samples to show");
      auto rng = gen::sample_rng(options_.seed, index);
      std::vector<size_t> pool(feedback_.ids[k].size());
      for (size_t j = 0; j < pool.size(); ++j) pool[j] = j;
      for (size_t j = 0; j < static_cast<size_t>(po_.shots); ++j) std::swap(pool[j], pool[j + gen::draw_index(rng, pool.size() - j)]);
      pool.resize(static_cast<size_t>(po_.shots));
      std::sort(pool.begin(), pool.end());
      for (size_t j : pool) {
        exemplars.push_back(feedback_.examples[k][j]);
        ids.push_back(feedback_.ids[k][j]);
        scores.push_back(feedback_.scores[k][j]);
      }
    }
    p.messages = lm::persona_messages(std::string(), method::generation_instruction(domain_, exemplars, p.context, po_.classes[k].condition));
    p.provenance.update({{"round", round_}, {"condition", po_.classes[k].condition}, {"example_ids", ids},
                         {"example_helpfulness", scores}});
    return p;
  }

 private:
  ProgenOptions po_;
  embed::Encoder& encoder_;
  int round_ = 0;
  detail::ProgenFeedback feedback_;
};

// The cost plan's view: round 0 zero-shot; later rounds show `shots` of the set's own samples,
// which training records stand in for.
method::LmWork progen_plan(const gen::PlanInputs& in, std::vector<std::string>& notes) {
  method::LmWork w;
  const auto& classes = in.classes;
  if (classes.empty()) throw Error("plan: progen has no classes");
  const int rounds = in.settings.at("rounds").get<int>();
  const size_t shots = in.settings.at("shots").get<size_t>();
  const size_t first_feedback = progen_round_start(in.n, rounds, 1);
  std::mt19937_64 rng(in.seed ^ 0x960Eull);
  gen::plan_generations(w, *in.lm, in.n, in.max_tokens, [&](size_t i) {
    const auto& c = classes[i % classes.size()];
    const auto ex = rounds > 1 && i >= first_feedback ? gen::stand_in_examples(*in.train, shots, rng) : std::vector<method::Example>{};
    return in.lm->render(std::string(), method::generation_instruction(*in.domain, ex, in.context(i), c.condition));
  });
  if (rounds > 1) notes.push_back("progen: the samples its later rounds show are stood in for by training records");
  return w;
}

}  // namespace

gen::GeneratorInfo progen_info() {
  gen::GeneratorInfo info;
  info.name = "progen";
  info.summary = "rounds of label-conditioned generation, each shown the most helpful samples so far (Ye et al. 2022)";
  info.example = "-m model.gguf --domain movie -n 1000 --rounds 4 --shots 3 --class 'positive=You had a positive impression.' "
                 "--class 'negative=You had a negative impression.' -o progen.jsonl";
  info.default_method = false;  // it needs labels
  info.needs.encoder = true;
  info.needs.all_labels = "progen trains a classifier on its samples";
  const ProgenOptions d;
  info.settings = {
      gen::Setting::integer("rounds", d.rounds, "generation rounds (round 1 zero-shot)", 1),
      gen::Setting::integer("shots", d.shots, "in-context examples per prompt", 1),
      gen::Setting::integer("helpful", static_cast<long long>(d.helpful), "per label, the most helpful samples the shots are drawn from")};
  info.make = [](const gen::Inputs& in) {
    ProgenOptions po;
    po.classes = in.classes;
    po.rounds = in.settings.at("rounds");
    po.shots = in.settings.at("shots");
    po.helpful = in.settings.at("helpful");
    return std::make_unique<Progen>(in, std::move(po));
  };
  info.plan = progen_plan;
  return info;
}

}  // namespace mop::baselines
