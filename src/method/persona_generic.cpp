// Personas written without looking at the data: the "without persona synthesis" ablation.
#include <set>

#include "mop/error.h"
#include "mop/personas.h"
#include "mop/prompts.h"

namespace mop::method {

std::vector<Persona> generic_personas(lm::LanguageModel& model, int k, const std::string& domain_name, uint64_t seed,
                                      double temperature, int max_tokens, const lm::Progress& progress) {
  if (k < 1) throw Error("--k must be at least 1");
  const Domain& domain = domain_by_name(domain_name);
  const lm::GenerateRequest asked = model.request(std::string(), generic_persona_instruction(domain));
  std::vector<std::string> texts(static_cast<size_t>(k));
  std::set<std::string> seen;
  constexpr int kRounds = 4;  // redraws for duplicates; a model with little variety keeps some
  std::vector<size_t> todo;
  for (size_t i = 0; i < texts.size(); ++i) todo.push_back(i);
  for (int round = 0; round < kRounds && !todo.empty(); ++round) {
    std::vector<lm::GenerateRequest> requests;
    for (size_t i : todo) {
      lm::GenerateRequest r = asked;
      r.sampling.temperature = temperature;
      r.sampling.max_tokens = max_tokens;
      r.sampling.stop = {"\n\n"};
      r.sampling.seed = lm::stream_seed(seed, static_cast<uint64_t>(round) * texts.size() + i);
      requests.push_back(std::move(r));
    }
    const size_t before = texts.size() - todo.size();  // written in earlier rounds
    lm::Progress round_progress;
    if (progress) round_progress = [&](size_t done, size_t) { progress(before + done, texts.size()); };
    const auto replies = model.generate(requests, round_progress);
    std::vector<size_t> again;
    for (size_t t = 0; t < todo.size(); ++t) {
      const std::string text = clean_persona(replies[t].text);
      const bool last = round + 1 == kRounds;
      if ((text.empty() || seen.count(text)) && !last) {
        again.push_back(todo[t]);
        continue;
      }
      texts[todo[t]] = text.empty() ? "You are a person who writes " + domain.noun + "s." : text;
      seen.insert(text);
    }
    todo = std::move(again);
  }
  std::vector<Persona> out;
  for (size_t i = 0; i < texts.size(); ++i) out.push_back({static_cast<int>(i), texts[i], 0, {}, std::nullopt});
  return out;
}

}  // namespace mop::method
