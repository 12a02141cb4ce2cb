// Scoring with one KV stream per continuation (--kv-layout streams, the default).
//
// In the shared cache every query passes every cell in flight (other sequences' cells masked), so
// a token's cost grows with the whole round; here a token attends over its own stream only. The
// prompts are still shared: stream 0 holds the current prompt minus its last token and moves from
// prompt to prompt in lexicographic order as in the shared cache (keeping the common prefix,
// decoding the new tail), and each continuation's stream is a whole-stream copy of it (llama.cpp
// copies the buffers at the start of the next decode, before stream 0 takes new tokens).
//
// llama.cpp cuts a multi-stream batch into micro-batches of consecutive stream ids with the same
// number of tokens from each, each its own graph. So that each call is one micro-batch, the ids are
// kept in this shape:
//   - stream 0: the prompt;
//   - a round's continuations in streams 1.., shortest first, decoded together in calls of t tokens
//     from each stream still going, t as many as the shortest has left (or as the batch holds), so
//     the ones that end in a call are the first ones (a finished stream is emptied at once).
// Every stream holds its sequence in position order, so each continuation's score is the shared
// cache's, bit for bit.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "lm/batch.h"
#include "lm/score_job.h"
#include "mop/error.h"

namespace mop::lm {

bool LlamaModel::ScoreJob::run_in_streams() {
  // Recurrent and hybrid models keep a state per sequence, not cells that copy stream to stream.
  if (llama_model_is_recurrent(m_.model_) || llama_model_is_hybrid(m_.model_)) return false;
  size_t count = 0, longest = 0;  // continuations with tokens; the longest prompt + continuation
  for (size_t u = 0; u < prompts_.size(); ++u)
    for (size_t r : requests_of_[u]) {
      if (continuations_[r].empty()) continue;
      ++count;
      longest = std::max(longest, prompts_[u].size() + continuations_[r].size());
    }
  if (count == 0) return false;
  // The shared cache's continuations at once, within the same budget.
  const SharedPlan plan = plan_shared();
  const int shared_fit = m_.shared_cache_fit(static_cast<int64_t>(plan.sequences), static_cast<int64_t>(plan.cells));
  // Streams: the prompt's and one per continuation; a call holds a token of each continuation: at
  // most a batch of them.
  const size_t per_call = std::min({count, static_cast<size_t>(m_.n_parallel_), static_cast<size_t>(m_.options_.n_batch)});
  const int wanted = static_cast<int>(per_call) + 1;
  const int streams = m_.stream_context(wanted, static_cast<int>(longest), shared_fit + 1);
  if (streams < 2) return false;
  mem_ = llama_get_memory(m_.stream_ctx_);
  llama_memory_clear(mem_, false);
  base_.clear();
  const size_t per_round = static_cast<size_t>(streams - 1);
  std::vector<std::pair<size_t, size_t>> members;
  for (size_t u : lexicographic_order(prompts_))
    for (size_t r : requests_of_[u]) {
      if (continuations_[r].empty()) {
        ++done_;
        continue;
      }
      members.emplace_back(u, r);
      if (members.size() == per_round) {
        stream_round(members);
        members.clear();
      }
    }
  if (!members.empty()) stream_round(members);
  llama_memory_clear(mem_, false);
  return true;
}

void LlamaModel::ScoreJob::stream_round(const std::vector<std::pair<size_t, size_t>>& members) {
  // Streams 1.. in order of continuation length, so that the first streams end first.
  std::vector<size_t> by_length(members.size());
  std::iota(by_length.begin(), by_length.end(), 0);
  std::stable_sort(by_length.begin(), by_length.end(), [&](size_t a, size_t b) {
    return continuations_[members[a].second].size() < continuations_[members[b].second].size();
  });
  std::vector<llama_seq_id> seq_of(members.size());
  round_.clear();
  for (size_t i = 0; i < by_length.size(); ++i) {
    const auto [u, r] = members[by_length[i]];
    seq_of[by_length[i]] = static_cast<llama_seq_id>(i + 1);
    round_.push_back(PendingScore{r, static_cast<llama_seq_id>(i + 1), &prompts_[u], &continuations_[r], requests_[r].tau});
  }
  // Stream 0 visits the round's prompts in the job's order; each continuation copies it.
  for (size_t i = 0; i < members.size(); ++i) {
    if (i == 0 || members[i].first != members[i - 1].first) move_stream_base(prompts_[members[i].first]);
    llama_memory_seq_cp(mem_, 0, seq_of[i], -1, -1);
  }
  decode_stream_round();
  done_ += round_.size();
  round_.clear();
  if (progress_) progress_(done_, requests_.size());
}

void LlamaModel::ScoreJob::move_stream_base(const Tokens& prompt) {
  const size_t shared_len = prompt.size() - 1;
  size_t keep = common_prefix(base_, prompt, shared_len);
  if (keep < base_.size() && !llama_memory_seq_rm(mem_, 0, static_cast<llama_pos>(keep), -1)) {
    llama_memory_seq_rm(mem_, 0, -1, -1);
    keep = 0;
  }
  base_.assign(prompt.begin(), prompt.begin() + static_cast<std::ptrdiff_t>(shared_len));
  Batch batch(m_.options_.n_batch);
  for (size_t i = keep; i < base_.size();) {
    batch.clear();
    for (; i < base_.size() && !batch.full(); ++i) batch.add(base_[i], static_cast<llama_pos>(i), 0, false);
    m_.decode_or_throw(batch, m_.stream_ctx_);
  }
}

void LlamaModel::ScoreJob::decode_stream_round() {
  const int n_batch = m_.options_.n_batch;
  Batch batch(n_batch);
  std::vector<ScoredSlot> slots;
  std::vector<TemperedLogprob> scored(static_cast<size_t>(n_batch));
  std::vector<size_t> fed(round_.size(), 0);  // tokens of each continuation decoded
  size_t first = 0;                           // the first continuation still going
  while (first < round_.size()) {
    const size_t going = round_.size() - first;
    const size_t left = round_[first].continuation->size() - fed[first];  // the fewest of those going
    const size_t t = std::min(left, static_cast<size_t>(n_batch) / going);
    batch.clear();
    slots.clear();
    for (size_t i = first; i < round_.size(); ++i) {
      const auto& p = round_[i];
      const auto start = static_cast<llama_pos>(p.prompt->size() - 1);
      for (size_t j = 0; j < t; ++j, ++fed[i]) {
        const llama_token input = fed[i] == 0 ? p.prompt->back() : (*p.continuation)[fed[i] - 1];
        batch.add(input, start + static_cast<llama_pos>(fed[i]), p.seq, true);
        slots.push_back({i, fed[i]});
      }
    }
    m_.decode_or_throw(batch, m_.stream_ctx_);
    add_scores(m_.stream_ctx_, slots, scored);
    for (; first < round_.size() && fed[first] == round_[first].continuation->size(); ++first)
      llama_memory_seq_rm(mem_, round_[first].seq, -1, -1);
  }
}

}  // namespace mop::lm
