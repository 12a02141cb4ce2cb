#include "lm/generate_slot.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "lm/llama_model.h"
#include "mop/error.h"

namespace mop::lm {
namespace {

// Drops a trailing incomplete UTF-8 sequence (a generation cut by the token limit mid-character).
void trim_incomplete_utf8(std::string& s) {
  size_t i = s.size(), back = 0;
  while (i > 0 && back < 4 && (static_cast<unsigned char>(s[i - 1]) & 0xC0) == 0x80) --i, ++back;
  if (i == 0) return;
  const auto lead = static_cast<unsigned char>(s[i - 1]);
  const size_t len = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 1;
  if (back + 1 < len) s.resize(i - 1);
}

// Appends `piece` to `text`; true when a stop string now appears in the text, which is then cut
// before it. Only the end can hold a new occurrence: the search starts where one could begin.
bool append_until_stop(std::string& text, const std::string& piece, const std::vector<std::string>& stops) {
  const size_t before = text.size();
  text += piece;
  bool stopped = false;
  for (const auto& stop : stops) {
    if (stop.empty()) continue;
    const size_t from = before >= stop.size() ? before - stop.size() + 1 : 0;
    const size_t at = text.find(stop, from);
    if (at != std::string::npos) {
      text.resize(at);
      stopped = true;
    }
  }
  return stopped;
}

}  // namespace

SamplerPtr make_sampler(const SamplingParams& p, const std::vector<llama_logit_bias>& eog_ban, int n_vocab) {
  SamplerPtr chain(llama_sampler_chain_init(llama_sampler_chain_default_params()));
  if (p.ignore_eos)
    llama_sampler_chain_add(chain.get(), llama_sampler_init_logit_bias(n_vocab, static_cast<int32_t>(eog_ban.size()), eog_ban.data()));
  if (p.temperature <= 0) {
    llama_sampler_chain_add(chain.get(), llama_sampler_init_greedy());
    return chain;
  }
  llama_sampler_chain_add(chain.get(), llama_sampler_init_temp(static_cast<float>(p.temperature)));
  if (p.top_p < 1.0) llama_sampler_chain_add(chain.get(), llama_sampler_init_top_p(static_cast<float>(p.top_p), 1));
  llama_sampler_chain_add(chain.get(), llama_sampler_init_dist(static_cast<uint32_t>(p.seed ^ (p.seed >> 32))));
  return chain;
}

std::vector<llama_logit_bias> eog_ban_of(const llama_vocab* vocab) {
  std::vector<llama_logit_bias> ban;
  const int n_vocab = llama_vocab_n_tokens(vocab);
  for (llama_token t = 0; t < n_vocab; ++t)
    if (llama_vocab_is_eog(vocab, t)) ban.push_back({t, -INFINITY});
  return ban;
}

int64_t cells_of_longest(std::vector<int> limits, size_t n) {
  n = std::min(n, limits.size());
  std::partial_sort(limits.begin(), limits.begin() + static_cast<std::ptrdiff_t>(n), limits.end(), std::greater<>());
  int64_t cells = 0;
  for (size_t i = 0; i < n; ++i) cells += limits[i];
  return cells;
}

void check_requests(const std::vector<GenerateRequest>& requests) {
  for (size_t r = 0; r < requests.size(); ++r) {
    const auto& s = requests[r].sampling;
    if (!std::isfinite(s.temperature)) throw RequestError(r, "temperature is not a number");
    if (!(s.top_p > 0 && s.top_p <= 1)) throw RequestError(r, "top-p must be in (0, 1]");
    if (s.max_tokens < 0) throw RequestError(r, "max tokens must not be negative");
  }
}

void finish(Slot& slot, const char* reason) {
  slot.finished = true;
  slot.result.finish_reason = reason;
  trim_incomplete_utf8(slot.result.text);
}

void sample_next(Slot& slot, const LlamaModel& model, llama_context* ctx, const llama_vocab* vocab, const SamplingParams& sp) {
  const llama_token tok = llama_sampler_sample(slot.sampler.get(), ctx, slot.batch_index);
  if (llama_vocab_is_eog(vocab, tok)) {
    finish(slot, "stop");
    return;
  }
  slot.last = tok;
  slot.result.n_tokens++;
  if (append_until_stop(slot.result.text, model.token_piece(tok, /*special=*/false), sp.stop)) finish(slot, "stop");
  else if (slot.result.n_tokens >= sp.max_tokens || slot.n_past >= slot.limit) finish(slot, "length");
}

}  // namespace mop::lm
