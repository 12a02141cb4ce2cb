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
#include <unordered_map>

#include "lm/batch.h"
#include "lm/score_job.h"
#include "mop/error.h"

namespace mop::lm {

LlamaModel::ScoreJob::ScoreJob(LlamaModel& model, const std::vector<ScoreRequest>& requests, const Progress& progress)
    : m_(model), requests_(requests), progress_(progress), out_(requests.size()), continuations_(requests.size()) {
  tokenize_requests();
}

void LlamaModel::ScoreJob::tokenize_requests() {
  std::unordered_map<std::string, size_t> prompt_id;
  std::vector<size_t> prompt_of(requests_.size());
  for (size_t r = 0; r < requests_.size(); ++r) {
    const auto& req = requests_[r];
    if (!(req.tau > 0) || !std::isfinite(req.tau))
      throw RequestError(r, "temperature must be a positive number, got " + std::to_string(req.tau));
    auto [it, fresh] = prompt_id.try_emplace(req.prompt, prompts_.size());
    if (fresh) {
      prompts_.push_back(m_.tokenize_prompt(req.prompt));
      if (prompts_.back().empty())
        throw RequestError(r, "the prompt is empty and the model adds no BOS token, so the first continuation token has no context");
    }
    prompt_of[r] = it->second;
    continuations_[r] = m_.tokenize_text(req.continuation);
    const size_t total = prompts_[it->second].size() + continuations_[r].size();
    if (total > static_cast<size_t>(m_.max_sequence_tokens()))
      throw RequestError(r, "prompt (" + std::to_string(prompts_[it->second].size()) +
                  " tokens) + continuation (" + std::to_string(continuations_[r].size()) + " tokens) exceed the context of " +
                  std::to_string(m_.max_sequence_tokens()) + " tokens" + m_.context_note());
    m_.warn_if_beyond_training(total);
    out_[r].n_tokens = static_cast<int>(continuations_[r].size());
  }
  requests_of_.resize(prompts_.size());
  for (size_t r = 0; r < requests_.size(); ++r) requests_of_[prompt_of[r]].push_back(r);
}

LlamaModel::ScoreJob::SharedPlan LlamaModel::ScoreJob::plan_shared() const {
  const size_t per_round = static_cast<size_t>(m_.n_parallel_);
  size_t most_cells = 0, cells = 0, count = 0, most_count = 0, longest = 0, base_len = 0;
  const Tokens* base = nullptr;
  for (size_t u : lexicographic_order(prompts_)) {
    const Tokens& prompt = prompts_[u];
    const size_t shared_len = prompt.size() - 1;
    bool base_here = false;
    for (size_t r : requests_of_[u]) {
      const size_t need = continuations_[r].size();
      if (need == 0) continue;
      longest = std::max(longest, prompt.size() + need);
      if (count == per_round) {  // the round is flushed; sequence 0 stays
        cells = base_len;
        count = 0;
      }
      if (!base_here) {  // sequence 0 moves to this prompt: its new tail is decoded
        const size_t lcp = base ? common_prefix(*base, prompt, shared_len) : 0;
        cells = count == 0 ? shared_len : cells + (shared_len - lcp);
        base = &prompt;
        base_len = shared_len;
        base_here = true;
      }
      cells += need;
      most_cells = std::max(most_cells, cells);
      most_count = std::max(most_count, ++count);
    }
  }
  return {most_count, most_cells, longest};
}

std::vector<Score> LlamaModel::ScoreJob::run() {
  if (!m_.options_.kv_streams || !run_in_streams()) run_shared();
  return std::move(out_);
}

void LlamaModel::ScoreJob::run_shared() {
  m_.use_shared_context();
  const SharedPlan plan = plan_shared();
  m_.fit_context(plan.sequences, plan.cells, plan.longest);
  mem_ = llama_get_memory(m_.ctx_);
  llama_memory_clear(mem_, false);  // metadata only: wiping the buffers costs a memset of the whole cache
  for (size_t u : lexicographic_order(prompts_)) add_prompt(u);
  flush();
  llama_memory_clear(mem_, false);  // metadata only: wiping the buffers costs a memset of the whole cache
}

void LlamaModel::ScoreJob::add_prompt(size_t u) {
  const Tokens& prompt = prompts_[u];
  const size_t shared_len = prompt.size() - 1;
  bool base_ready = false;
  for (size_t r : requests_of_[u]) {
    const size_t need = continuations_[r].size();
    if (need == 0) {
      ++done_;
      continue;
    }
    if (base_ready && round_full(need)) {
      flush();
      base_ready = base_.size() == shared_len;  // false when the flush cleared the cache
    }
    if (!base_ready) {
      move_base(prompt, shared_len, need);
      base_ready = true;
    }
    const auto seq = static_cast<llama_seq_id>(round_.size() + 1);
    llama_memory_seq_cp(mem_, 0, seq, -1, -1);
    round_.push_back(PendingScore{r, seq, &prompt, &continuations_[r], requests_[r].tau});
    round_cells_ += need;
  }
}

bool LlamaModel::ScoreJob::round_full(size_t cells) const {
  return round_.size() >= static_cast<size_t>(m_.n_parallel_) || base_.size() + retained_ + round_cells_ + cells > static_cast<size_t>(m_.capacity_);
}

void LlamaModel::ScoreJob::move_base(const Tokens& prompt, size_t shared_len, size_t need) {
  size_t lcp = common_prefix(base_, prompt, shared_len);
  if (round_full((shared_len - lcp) + need)) {
    flush();
    lcp = common_prefix(base_, prompt, shared_len);
  }
  size_t keep = lcp;
  if (keep < base_.size() && !llama_memory_seq_rm(mem_, 0, static_cast<llama_pos>(keep), -1)) {
    llama_memory_seq_rm(mem_, 0, -1, -1);  // memory without partial removal (recurrent models)
    keep = 0;
  }
  if (!round_.empty()) retained_ += base_.size() - keep;
  base_.assign(prompt.begin(), prompt.begin() + static_cast<std::ptrdiff_t>(shared_len));
  m_.decode_into(0, base_, keep);
}

void LlamaModel::ScoreJob::flush() {
  if (round_.empty()) return;
  decode_round();
  for (const auto& p : round_) llama_memory_seq_rm(mem_, p.seq, -1, -1);
  if (retained_ > 0) {  // holes between sequence 0's cells: start again from an empty cache
    llama_memory_clear(mem_, false);
    base_.clear();
  }
  done_ += round_.size();
  round_.clear();
  retained_ = 0;
  round_cells_ = 0;
  if (progress_) progress_(done_, requests_.size());
}

void LlamaModel::ScoreJob::decode_round() {
  Batch batch(m_.options_.n_batch);
  std::vector<ScoredSlot> slots;
  std::vector<TemperedLogprob> scored(m_.options_.n_batch);
  for (size_t i = 0; i < round_.size(); ++i) {
    const auto& p = round_[i];
    const auto start = static_cast<llama_pos>(p.prompt->size() - 1);
    for (size_t t = 0; t < p.continuation->size(); ++t) {
      const llama_token input = t == 0 ? p.prompt->back() : (*p.continuation)[t - 1];
      batch.add(input, start + static_cast<llama_pos>(t), p.seq, true);
      slots.push_back({i, t});
      if (batch.full()) score_batch(batch, slots, scored);
    }
  }
  if (batch.size() > 0) score_batch(batch, slots, scored);
}

void LlamaModel::ScoreJob::score_batch(Batch& batch, std::vector<ScoredSlot>& slots, std::vector<TemperedLogprob>& scored) {
  m_.decode_or_throw(batch);
  add_scores(m_.ctx_, slots, scored);
  batch.clear();
  slots.clear();
}

void LlamaModel::ScoreJob::add_scores(llama_context* ctx, const std::vector<ScoredSlot>& slots, std::vector<TemperedLogprob>& scored) {
  const int n = static_cast<int>(slots.size());
  const int n_vocab = m_.n_vocab_;
#pragma omp parallel for schedule(static) if (static_cast<long>(n) * n_vocab > (1L << 20))
  for (int k = 0; k < n; ++k) {
    const auto& p = round_[slots[k].pending];
    scored[k] = tempered_logprob(llama_get_logits_ith(ctx, k), n_vocab, (*p.continuation)[slots[k].t], p.tau);
  }
  for (int k = 0; k < n; ++k) {
    auto& s = out_[round_[slots[k].pending].request];
    s.logprob += scored[k].logprob;
    s.dlogprob_dtau += scored[k].dlogprob_dtau;
  }
}

std::vector<Score> LlamaModel::score(const std::vector<ScoreRequest>& requests, const Progress& progress) {
  ScoreJob job(*this, requests, progress);
  return job.run();
}

}  // namespace mop::lm
