// ProGen: label-conditioned generation in rounds, each round prompted with the most helpful
// samples of the rounds before it (see progen_feedback.cpp and docs/baselines.md).
#include <algorithm>
#include <cstdio>
#include <set>

#include "baselines/progen_feedback.h"
#include "baselines/run_baseline.h"
#include "mop/error.h"

namespace mop::baselines {
namespace {

void check(const ProgenOptions& po, const BaselineOptions& o) {
  if (po.classes.size() < 2) throw Error("progen needs two or more --class LABEL=CONDITION (the classifier's classes)");
  std::set<std::string> seen;
  for (const auto& c : po.classes) {
    if (c.label.empty() || c.condition.empty()) throw Error("progen: a class needs a label and a condition");
    if (!seen.insert(c.label).second) throw Error("progen: --class label '" + c.label + "' is given twice");
  }
  if (o.label || !o.condition.empty())
    throw Error("progen takes each sample's label and condition from --class; --label and --condition do not apply");
  if (po.rounds < 1) throw Error("--rounds must be at least 1");
  if (po.shots < 1) throw Error("--shots must be at least 1");
  if (po.helpful < static_cast<size_t>(po.shots))
    throw Error("--helpful " + std::to_string(po.helpful) + " is smaller than --shots " + std::to_string(po.shots));
  // Every label needs K samples in round 0 to fill round 1's prompts.
  const size_t first = progen_round_start(o.n, po.rounds, 1), need = po.classes.size() * static_cast<size_t>(po.shots);
  if (po.rounds > 1 && first < need)
    throw Error("progen: -n " + std::to_string(o.n) + " in " + std::to_string(po.rounds) + " rounds gives a first round of " +
                std::to_string(first) + " samples; it needs at least classes x --shots = " + std::to_string(need));
}

}  // namespace

void progen(lm::LanguageModel& lm, const std::filesystem::path& out, embed::Encoder& encoder, const ProgenOptions& po,
            const BaselineOptions& o, const lm::Progress& progress) {
  check(po, o);
  const method::Domain& domain = method::domain_by_name(o.domain);
  nlohmann::json classes = nlohmann::json::array();
  for (const auto& c : po.classes) classes.push_back({{"label", c.label}, {"condition", c.condition}});
  const auto& in = po.influence;
  const nlohmann::json settings = {
      {"classes", classes}, {"rounds", po.rounds}, {"shots", po.shots}, {"helpful", po.helpful},
      {"encoder", encoder.id()},
      {"influence", {{"l2", in.classifier.l2}, {"max_iter", in.classifier.max_iter}, {"tolerance", in.classifier.tolerance},
                     {"history", in.classifier.history}, {"rce_log_zero", in.rce_log_zero}, {"damping", in.damping}}}};
  auto output = detail::open_output("progen", lm, out, o, settings);
  const size_t n_classes = po.classes.size();

  for (int r = 0; r < po.rounds; ++r) {
    const size_t lo = progen_round_start(o.n, po.rounds, r), hi = progen_round_start(o.n, po.rounds, r + 1);
    std::vector<size_t> todo;
    for (size_t i : output.todo())
      if (i >= lo && i < hi) todo.push_back(i);
    if (todo.empty()) continue;  // finished by an earlier run
    detail::ProgenFeedback feedback;
    if (r > 0) {
      std::fprintf(stderr, "mop: progen: round %d (rounds 0 to %d)\n", r, po.rounds - 1);
      feedback = detail::progen_feedback(output.lines(), lo, encoder, po);
    }
    detail::generate_into(output, "progen", lm, o, todo, [&](size_t index) {
      const size_t k = index % n_classes;
      detail::Planned p;
      p.context = detail::context_of(o, index);
      p.label = po.classes[k].label;
      std::vector<method::Example> exemplars;
      nlohmann::json ids = nlohmann::json::array(), scores = nlohmann::json::array();
      if (r > 0) {
        // K distinct picks from the label's pool (partial Fisher-Yates), shown best first.
        if (feedback.ids[k].size() < static_cast<size_t>(po.shots))
          throw Error("progen: label '" + po.classes[k].label + "' has fewer than --shots samples to show");
        auto rng = detail::sample_rng(o.seed, index);
        std::vector<size_t> pool(feedback.ids[k].size());
        for (size_t j = 0; j < pool.size(); ++j) pool[j] = j;
        for (size_t j = 0; j < static_cast<size_t>(po.shots); ++j)
          std::swap(pool[j], pool[j + detail::draw_index(rng, pool.size() - j)]);
        pool.resize(static_cast<size_t>(po.shots));
        std::sort(pool.begin(), pool.end());
        for (size_t j : pool) {
          exemplars.push_back(feedback.examples[k][j]);
          ids.push_back(feedback.ids[k][j]);
          scores.push_back(feedback.scores[k][j]);
        }
      }
      p.prompt = lm.render(std::string(), method::generation_instruction(domain, exemplars, p.context, po.classes[k].condition));
      p.provenance = {{"round", r}, {"condition", po.classes[k].condition}, {"example_ids", ids},
                      {"example_helpfulness", scores}};
      return p;
    }, progress);
  }
  output.finish();
}

}  // namespace mop::baselines
