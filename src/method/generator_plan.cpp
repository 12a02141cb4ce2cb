// The cost plan's helpers for generators' plan functions (mop/generator.h, GeneratorInfo::plan).
#include <algorithm>

#include "mop/generator.h"

namespace mop::gen {

// Prompts counted per part; counting every prompt of 5,000-sample sets would cost the plan seconds.
constexpr size_t kSampledPrompts = 256;

std::optional<std::string> PlanInputs::context(size_t index) const {
  if (contexts.empty()) return std::nullopt;
  return contexts[index % contexts.size()];
}

void plan_generations(method::LmWork& w, lm::LanguageModel& lm, size_t n, int max_tokens,
                      const std::function<std::string(size_t)>& prompt) {
  if (n == 0) return;
  const size_t step = std::max<size_t>(1, n / kSampledPrompts);
  std::vector<std::string> prompts;
  for (size_t i = 0; i < n; i += step) prompts.push_back(prompt(i));
  size_t tokens = 0;
  for (size_t t : lm.count_tokens(prompts)) tokens += t;
  w.generate_requests += n;
  w.generate_prompt_tokens += static_cast<size_t>(static_cast<double>(tokens) / static_cast<double>(prompts.size()) * n + 0.5);
  w.generate_max_tokens += n * static_cast<size_t>(max_tokens);
}

std::vector<method::Example> stand_in_examples(const std::vector<data::Record>& records, size_t k, std::mt19937_64& rng) {
  std::vector<method::Example> out;
  for (size_t i = 0; i < k && !records.empty(); ++i) {
    const auto& r = records[rng() % records.size()];
    out.push_back({r.text, r.context});
  }
  return out;
}

method::LmWork plain_plan(const PlanInputs& in) {
  method::LmWork w;
  plan_generations(w, *in.lm, in.n, in.max_tokens, [&](size_t i) {
    return in.lm->render(std::string(), method::generation_instruction(*in.domain, {}, in.context(i), in.condition));
  });
  return w;
}

}  // namespace mop::gen
