// PICLe's exemplar choice: the candidates most likely under a persona relative to no persona.
// The paper fine-tunes a persona LoRA to get p(y | persona); llama.cpp runtimes do not train, so
// the persona is given as the system prompt instead.
#include <algorithm>
#include <numeric>

#include "mop/baselines.h"
#include "mop/error.h"

namespace mop::baselines {

std::vector<PicleSelection> picle_select(lm::LanguageModel& lm, const method::Domain& domain,
                                         const std::vector<method::Persona>& personas,
                                         const std::vector<data::Record>& candidates, int shots,
                                         const lm::Progress& progress) {
  if (shots < 1) throw Error("--shots must be at least 1");
  if (static_cast<size_t>(shots) > candidates.size())
    throw Error("--shots " + std::to_string(shots) + " is larger than the candidate pool (" +
                std::to_string(candidates.size()) + " records)");
  const size_t n = candidates.size();
  // Request layout: candidate j with no persona at j, under persona k at (k + 1) * n + j.
  std::vector<lm::ScoreRequest> requests;
  requests.reserve((personas.size() + 1) * n);
  for (size_t k = 0; k <= personas.size(); ++k)
    for (const auto& c : candidates) {
      const std::string persona = k == 0 ? std::string() : personas[k - 1].text;
      requests.push_back({lm.render(persona, method::generation_instruction(domain, {}, c.context)), c.text, 1.0});
    }
  const auto scores = lm.score(requests, progress);
  std::vector<PicleSelection> out;
  for (size_t k = 0; k < personas.size(); ++k) {
    std::vector<double> ratio(n);
    for (size_t j = 0; j < n; ++j) ratio[j] = scores[(k + 1) * n + j].logprob - scores[j].logprob;
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ratio[a] > ratio[b]; });
    PicleSelection s;
    for (int i = 0; i < shots; ++i) {
      s.candidates.push_back(order[i]);
      s.ratios.push_back(ratio[order[i]]);
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace mop::baselines
