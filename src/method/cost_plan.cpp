// The plan's arithmetic: LM work summed, score()'s prefix sharing replayed, time from rates.
#include <algorithm>
#include <map>

#include "mop/cost_plan.h"

namespace mop::method {

LmWork& LmWork::operator+=(const LmWork& o) {
  score_requests += o.score_requests;
  score_prompt_tokens += o.score_prompt_tokens;
  score_prompt_fed += o.score_prompt_fed;
  score_continuation_tokens += o.score_continuation_tokens;
  generate_requests += o.generate_requests;
  generate_prompt_tokens += o.generate_prompt_tokens;
  generate_max_tokens += o.generate_max_tokens;
  return *this;
}

namespace {

size_t common_chars(const std::string& a, const std::string& b) {
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

}  // namespace

// Mirrors LlamaModel::ScoreJob (src/lm/llama_score.cpp, llama_score_streams.cpp) step for step, with token positions of a
// shared prefix taken in proportion to its characters. Keep the two in step.
size_t fed_prompt_tokens(const std::vector<PlannedScore>& requests, const ScoreShape& shape) {
  struct Prompt {
    const std::string* text;
    size_t tokens;
    std::vector<size_t> continuations;
  };
  std::map<std::string, Prompt> prompts;  // std::map: lexicographic order, as score() visits them
  for (const auto& r : requests) {
    auto [it, fresh] = prompts.try_emplace(r.prompt, Prompt{nullptr, r.prompt_tokens, {}});
    if (fresh) it->second.text = &it->first;
    it->second.continuations.push_back(r.continuation_tokens);
  }
  const size_t parallel = static_cast<size_t>(std::max(1, shape.parallel));
  const size_t capacity = static_cast<size_t>(std::max(2, shape.ctx) - 1);
  const std::string* base_text = nullptr;  // the prompt sequence 0 holds (minus its last token)
  size_t base = 0, retained = 0, round = 0, round_cells = 0, fed = 0;
  const auto full = [&](size_t cells) { return round >= parallel || base + retained + round_cells + cells > capacity; };
  const auto flush = [&] {
    if (round == 0) return;
    if (retained > 0 && !shape.streams) {  // the shared cache is cleared: the next prompt is fed whole
      base_text = nullptr;
      base = 0;
    }
    round = retained = round_cells = 0;
  };
  const auto shared = [&](const Prompt& p, size_t limit) {
    if (!base_text || p.text->empty()) return size_t{0};
    const size_t chars = common_chars(*base_text, *p.text);
    return std::min({limit, base, p.tokens * chars / p.text->size()});
  };
  for (const auto& [text, p] : prompts) {
    const size_t shared_len = p.tokens > 0 ? p.tokens - 1 : 0;
    bool ready = false;
    for (size_t need : p.continuations) {
      if (need == 0) continue;
      if (ready && full(need)) {
        flush();
        ready = base_text == p.text;
      }
      if (!ready) {
        size_t keep = shared(p, shared_len);
        if (full(shared_len - keep + need)) {
          flush();
          keep = shared(p, shared_len);
        }
        if (round > 0) retained += base - keep;
        fed += shared_len - keep;
        base_text = p.text;
        base = shared_len;
        ready = true;
      }
      ++round;
      round_cells += need;
    }
  }
  return fed;
}

void add_score_call(LmWork& work, const std::vector<PlannedScore>& requests, const ScoreShape& shape) {
  for (const auto& r : requests) {
    ++work.score_requests;
    work.score_prompt_tokens += r.prompt_tokens;
    work.score_continuation_tokens += r.continuation_tokens;
  }
  work.score_prompt_fed += fed_prompt_tokens(requests, shape);
}

double estimate_seconds(const LmWork& w, const LmRates& r) {
  return static_cast<double>(w.score_prompt_fed + w.generate_prompt_tokens) * r.prompt_s +
         static_cast<double>(w.score_continuation_tokens) * r.continuation_s +
         static_cast<double>(w.generate_max_tokens) * r.generate_s;
}

void fill_seconds(std::vector<PlannedStep>& steps, const std::map<std::string, LmRates>& rates) {
  for (auto& s : steps) {
    if (s.model.empty() || s.work.empty()) continue;
    const auto it = rates.find(s.model);
    if (it != rates.end() && it->second.known) s.seconds = estimate_seconds(s.work, it->second);
  }
}

}  // namespace mop::method
