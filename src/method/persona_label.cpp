// Persona labelling for topic data: each persona gets the label its samples will carry.
#include <cmath>

#include "mop/error.h"
#include "mop/personas.h"
#include "mop/prompts.h"

namespace mop::method {

std::vector<std::vector<double>> label_personas(lm::LanguageModel& model, std::vector<Persona>& personas,
                                                const std::vector<std::string>& labels, const std::string& domain_name) {
  const Domain& domain = domain_by_name(domain_name);
  for (size_t i = 0; i < labels.size(); ++i)
    if (labels[i].empty()) throw Error("persona labelling: label name " + std::to_string(i + 1) + " is empty");
  std::vector<lm::ScoreRequest> requests;
  for (const auto& p : personas) {
    const std::string prompt = model.render(std::string(), persona_label_question(domain, p.text, labels));
    for (size_t i = 0; i < labels.size(); ++i) requests.push_back({prompt, choice_letter(i), 1.0});
  }
  const auto scores = model.score(requests);
  std::vector<std::vector<double>> out;
  for (size_t p = 0; p < personas.size(); ++p) {
    std::vector<double> lp(labels.size());
    size_t best = 0;
    for (size_t i = 0; i < labels.size(); ++i) {
      lp[i] = scores[p * labels.size() + i].logprob;
      if (lp[i] > lp[best]) best = i;  // ties: the earlier option
    }
    double norm = -INFINITY;
    for (double v : lp) norm = std::max(norm, v) + std::log1p(std::exp(std::min(norm, v) - std::max(norm, v)));
    for (double& v : lp) v -= norm;
    personas[p].label = labels[best];
    out.push_back(std::move(lp));
  }
  return out;
}

}  // namespace mop::method
