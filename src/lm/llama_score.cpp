// Scoring with shared prefixes.
//
// Requests are grouped by prompt and prompts visited in lexicographic token order, so consecutive
// prompts share their longest common prefix. Sequence 0 holds the current prompt minus its last
// token; moving to the next prompt drops only the tokens after the common prefix and decodes only
// the new tail. Each continuation gets its own sequence, a copy of sequence 0 (cells are shared,
// not recomputed), and decodes [last prompt token, y_0 .. y_{T-2}] with logits at every position,
// which predict y_0 .. y_{T-1}. Continuations of several prompts are decoded together in batches
// of up to n_batch tokens, as many sequences at once as --parallel allows and the KV cache holds.
//
// Cell order: ggml's attention kernel visits a query's cells in cell order, so a continuation's
// score is the same as alone only if its prompt's and its own cells lie in position order. Cells
// are only ever added after the live ones, except after a round that moved sequence 0 from one
// prompt to another: dropping the old prompt's tail then leaves a hole that the next tokens would
// fill out of order, so such a round ends with the cache cleared and sequence 0 decoded afresh.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>

#include "lm/batch.h"
#include "lm/llama_model.h"
#include "lm/tempered_logprob.h"
#include "mop/error.h"

namespace mop::lm {
namespace {

struct Pending {
  size_t request;
  llama_seq_id seq;
  const Tokens* prompt;
  const Tokens* continuation;
  double tau;
};

size_t common_prefix(const Tokens& a, const Tokens& b, size_t limit) {
  size_t n = 0;
  while (n < limit && n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

}  // namespace

std::vector<Score> LlamaModel::score(const std::vector<ScoreRequest>& requests, const Progress& progress) {
  std::vector<Score> out(requests.size());
  // Tokenize: one entry per distinct prompt text.
  std::unordered_map<std::string, size_t> prompt_id;
  std::vector<Tokens> prompts;
  std::vector<Tokens> continuations(requests.size());
  std::vector<size_t> prompt_of(requests.size());
  for (size_t r = 0; r < requests.size(); ++r) {
    const auto& req = requests[r];
    if (!(req.tau > 0) || !std::isfinite(req.tau))
      throw RequestError(r, "temperature must be a positive number, got " + std::to_string(req.tau));
    auto [it, fresh] = prompt_id.try_emplace(req.prompt, prompts.size());
    if (fresh) {
      prompts.push_back(tokenize_prompt(req.prompt));
      if (prompts.back().empty())
        throw RequestError(r, "the prompt is empty and the model adds no BOS token, so the first continuation token has no context");
    }
    prompt_of[r] = it->second;
    continuations[r] = tokenize_text(req.continuation);
    const size_t total = prompts[it->second].size() + continuations[r].size();
    if (total > static_cast<size_t>(max_sequence_tokens()))
      throw RequestError(r, "prompt (" + std::to_string(prompts[it->second].size()) +
                  " tokens) + continuation (" + std::to_string(continuations[r].size()) + " tokens) exceed the context of " +
                  std::to_string(max_sequence_tokens()) + " tokens" + context_note());
    warn_if_beyond_training(total);
    out[r].n_tokens = static_cast<int>(continuations[r].size());
  }

  std::vector<size_t> order(prompts.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return prompts[a] < prompts[b]; });
  std::vector<std::vector<size_t>> requests_of(prompts.size());
  for (size_t r = 0; r < requests.size(); ++r) requests_of[prompt_of[r]].push_back(r);

  llama_memory_t mem = llama_get_memory(ctx_);
  llama_memory_clear(mem, false);  // metadata only: wiping the buffers costs a memset of the whole cache
  const size_t capacity = static_cast<size_t>(capacity_);
  Tokens base;             // tokens held by sequence 0
  size_t retained = 0;     // cells dropped from sequence 0 but still held by this round's copies
  size_t round_cells = 0;  // cells the pending continuations will take
  std::vector<Pending> round;
  size_t done = 0;

  // Decodes every pending continuation, adds up its token scores, frees its sequence.
  auto flush = [&] {
    if (round.empty()) return;
    Batch batch(options_.n_batch);
    struct Slot { size_t pending; size_t t; };  // batch slot k predicts continuation token t
    std::vector<Slot> slots;
    std::vector<TemperedLogprob> scored(options_.n_batch);
    auto run = [&] {
      decode_or_throw(batch);
      const int n = batch.size();
#pragma omp parallel for schedule(static) if (static_cast<long>(n) * n_vocab_ > (1L << 20))
      for (int k = 0; k < n; ++k) {
        const auto& p = round[slots[k].pending];
        scored[k] = tempered_logprob(llama_get_logits_ith(ctx_, k), n_vocab_, (*p.continuation)[slots[k].t], p.tau);
      }
      for (int k = 0; k < n; ++k) {
        auto& s = out[round[slots[k].pending].request];
        s.logprob += scored[k].logprob;
        s.dlogprob_dtau += scored[k].dlogprob_dtau;
      }
      batch.clear();
      slots.clear();
    };
    for (size_t i = 0; i < round.size(); ++i) {
      const auto& p = round[i];
      const auto start = static_cast<llama_pos>(p.prompt->size() - 1);
      for (size_t t = 0; t < p.continuation->size(); ++t) {
        const llama_token input = t == 0 ? p.prompt->back() : (*p.continuation)[t - 1];
        batch.add(input, start + static_cast<llama_pos>(t), p.seq, true);
        slots.push_back({i, t});
        if (batch.full()) run();
      }
    }
    if (batch.size() > 0) run();
    for (const auto& p : round) llama_memory_seq_rm(mem, p.seq, -1, -1);
    if (retained > 0) {  // holes between sequence 0's cells: start again from an empty cache
      llama_memory_clear(mem, false);
      base.clear();
    }
    done += round.size();
    round.clear();
    retained = 0;
    round_cells = 0;
    if (progress) progress(done, requests.size());
  };

  for (size_t u : order) {
    const Tokens& prompt = prompts[u];
    const size_t shared_len = prompt.size() - 1;
    bool base_ready = false;
    for (size_t r : requests_of[u]) {
      const size_t need = continuations[r].size();
      if (need == 0) {
        ++done;
        continue;
      }
      if (base_ready && (round.size() >= static_cast<size_t>(n_parallel_) ||
                         base.size() + retained + round_cells + need > capacity)) {
        flush();
        base_ready = base.size() == shared_len;  // false when the flush cleared the cache
      }
      if (!base_ready) {
        size_t lcp = common_prefix(base, prompt, shared_len);
        const size_t cells_after = base.size() + retained + round_cells + (shared_len - lcp) + need;
        if (round.size() >= static_cast<size_t>(n_parallel_) || cells_after > capacity) {
          flush();
          lcp = common_prefix(base, prompt, shared_len);
        }
        // Move sequence 0 to this prompt: keep the common prefix, decode the rest.
        size_t keep = lcp;
        if (keep < base.size() && !llama_memory_seq_rm(mem, 0, static_cast<llama_pos>(keep), -1)) {
          llama_memory_seq_rm(mem, 0, -1, -1);  // memory without partial removal (recurrent models)
          keep = 0;
        }
        if (!round.empty()) retained += base.size() - keep;
        base.assign(prompt.begin(), prompt.begin() + static_cast<std::ptrdiff_t>(shared_len));
        decode_into(0, base, keep);
        base_ready = true;
      }
      const auto seq = static_cast<llama_seq_id>(round.size() + 1);
      llama_memory_seq_cp(mem, 0, seq, -1, -1);
      round.push_back({r, seq, &prompt, &continuations[r], requests[r].tau});
      round_cells += need;
    }
  }
  flush();
  llama_memory_clear(mem, false);  // metadata only: wiping the buffers costs a memset of the whole cache
  return out;
}

}  // namespace mop::lm
