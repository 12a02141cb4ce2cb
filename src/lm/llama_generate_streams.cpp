// Generation with one KV stream per sequence (--kv-layout streams): each sequence's cells lie in
// its own stream, so its attention runs over its own cells only and the cost of a token depends on
// its own sequence's length, not on what else is in flight (a shared cache makes every query pass
// every cell in flight; docs/benchmarks.md).
//
// llama.cpp splits a batch over several streams only into micro-batches of consecutive sequence
// ids with equal tokens each (split_equal, sequential), and every micro-batch is its own graph.
// So that each call is one micro-batch, the ids are kept in this shape:
//   - the sequences that generate hold ids 0..g-1 and decode together, one token each;
//   - waiting prompts are admitted as a group into the free streams (ids from g up, shortest
//     first) and fed together, in calls of their own that are each one micro-batch: the same
//     number of tokens from each of consecutive ids, as many as the shortest has left (or as the
//     batch holds), so the prompts that end in a call are the group's first ones, and they join
//     the generating sequences at id g without a copy when no place below the group is free;
//   - a finished sequence's place is taken by the one at g-1 (a whole-stream copy); a free place
//     left between the generating sequences and the group is filled by the next prompt to end;
// Every stream holds one sequence from its cell 0 in position order, so the sequence's logits are
// those of the shared-cache layout, and its text the same.
#include <algorithm>
#include <deque>

#include "lm/batch.h"
#include "lm/generate_slot.h"
#include "lm/llama_model.h"
#include "mop/error.h"

namespace mop::lm {

class LlamaModel::StreamGenerateJob {
 public:
  StreamGenerateJob(LlamaModel& model, const std::vector<GenerateRequest>& requests, std::vector<Tokens> prompts,
                    std::vector<int> limits, int streams, const Progress& progress);
  std::vector<Generation> run();

 private:
  // One token for each generating sequence, then sampling.
  void generate_step();
  // Prompt tokens, up to one batch in all this step, admitting waiting requests as a group when
  // the last group has been fed.
  void feed_step();
  // Takes waiting requests into the free streams, shortest prompt first; false if none came in.
  bool admit();
  // Appends the slot's next prompt token to the batch (an output row if it is the last).
  void add_prompt_token(Slot& slot);
  // Samples the first token of the group's prompts that have been fed, which join the generating.
  void start_fed_prompts();
  // Hands finished sequences' results over and closes their places up.
  void retire();
  void hand_over(Slot& slot);
  void move(Slot& slot, llama_seq_id to);
  llama_seq_id g() const { return static_cast<llama_seq_id>(gen_.size()); }

  LlamaModel& m_;
  llama_context* ctx_;
  llama_memory_t mem_;
  const std::vector<GenerateRequest>& requests_;
  const Progress& progress_;
  std::vector<Generation> out_;
  std::vector<Tokens> prompts_;
  std::vector<int> limits_;
  int streams_;  // sequences at once
  std::deque<size_t> waiting_;
  std::vector<std::unique_ptr<Slot>> gen_;  // [id]: the sequences that generate
  std::vector<std::unique_ptr<Slot>> group_;  // prompts being fed, at ids base_.., fewest tokens left first
  llama_seq_id base_ = 0;
  size_t done_ = 0;
  Batch batch_;
  std::vector<llama_logit_bias> eog_ban_;
};

LlamaModel::StreamGenerateJob::StreamGenerateJob(LlamaModel& model, const std::vector<GenerateRequest>& requests,
                                                 std::vector<Tokens> prompts, std::vector<int> limits, int streams,
                                                 const Progress& progress)
    : m_(model), ctx_(model.stream_ctx_), mem_(llama_get_memory(model.stream_ctx_)), requests_(requests), progress_(progress),
      out_(requests.size()), prompts_(std::move(prompts)), limits_(std::move(limits)), streams_(streams),
      batch_(model.options_.n_batch), eog_ban_(eog_ban_of(model.vocab_)) {
  for (size_t r = 0; r < requests.size(); ++r) waiting_.push_back(r);
}

std::vector<Generation> LlamaModel::StreamGenerateJob::run() {
  llama_memory_clear(mem_, false);
  while (!waiting_.empty() || !group_.empty() || !gen_.empty()) {
    generate_step();
    retire();
    feed_step();
    retire();
  }
  return std::move(out_);
}

void LlamaModel::StreamGenerateJob::add_prompt_token(Slot& slot) {
  const bool last = slot.fed + 1 == slot.prompt.size();
  const int k = batch_.add(slot.prompt[slot.fed++], slot.n_past++, slot.seq, last);
  if (last) slot.batch_index = k;
}

void LlamaModel::StreamGenerateJob::generate_step() {
  if (gen_.empty()) return;
  batch_.clear();
  for (auto& slot : gen_) slot->batch_index = batch_.add(slot->last, slot->n_past++, slot->seq, true);
  m_.decode_or_throw(batch_, ctx_);
  for (auto& slot : gen_) sample_next(*slot, m_, ctx_, m_.vocab_, requests_[slot->request].sampling);
}

bool LlamaModel::StreamGenerateJob::admit() {
  base_ = g();
  while (!waiting_.empty() && g() + static_cast<int>(group_.size()) < streams_) {
    const size_t r = waiting_.front();
    waiting_.pop_front();
    auto slot = std::make_unique<Slot>();
    slot->request = r;
    slot->prompt = std::move(prompts_[r]);
    slot->limit = limits_[r];
    slot->sampler = make_sampler(requests_[r].sampling, eog_ban_, m_.n_vocab_);
    m_.warn_if_beyond_training(static_cast<size_t>(slot->limit));
    if (requests_[r].sampling.max_tokens == 0) {
      finish(*slot, "length");
      hand_over(*slot);
      continue;
    }
    group_.push_back(std::move(slot));
  }
  std::stable_sort(group_.begin(), group_.end(), [](const auto& a, const auto& b) { return a->prompt.size() < b->prompt.size(); });
  for (size_t i = 0; i < group_.size(); ++i) group_[i]->seq = base_ + static_cast<llama_seq_id>(i);
  return !group_.empty();
}

void LlamaModel::StreamGenerateJob::feed_step() {
  const int n_batch = m_.options_.n_batch;
  int budget = n_batch;
  while (budget > 0) {
    if (group_.empty() && !admit()) return;
    // One micro-batch: t tokens from each of the group's first k prompts (consecutive ids).
    const int k = std::min(static_cast<int>(group_.size()), budget);
    if (k < static_cast<int>(group_.size()) && budget < n_batch) return;  // the whole group next step
    const size_t left = group_.front()->prompt.size() - group_.front()->fed;  // the fewest of the group
    const size_t t = std::min(left, static_cast<size_t>(budget / k));
    batch_.clear();
    for (int i = 0; i < k; ++i)
      for (size_t j = 0; j < t; ++j) add_prompt_token(*group_[i]);
    budget -= static_cast<int>(t) * k;
    m_.decode_or_throw(batch_, ctx_);
    start_fed_prompts();
  }
}

void LlamaModel::StreamGenerateJob::start_fed_prompts() {
  size_t n = 0;
  while (n < group_.size() && group_[n]->fed == group_[n]->prompt.size()) ++n;
  for (size_t i = 0; i < n; ++i) {
    auto& slot = group_[i];
    sample_next(*slot, m_, ctx_, m_.vocab_, requests_[slot->request].sampling);
    if (slot->finished) {
      llama_memory_seq_rm(mem_, slot->seq, -1, -1);
      hand_over(*slot);
      continue;
    }
    if (slot->seq != g()) move(*slot, g());  // into the free place below the group
    gen_.push_back(std::move(slot));
  }
  group_.erase(group_.begin(), group_.begin() + static_cast<std::ptrdiff_t>(n));
  base_ += static_cast<llama_seq_id>(n);
}

void LlamaModel::StreamGenerateJob::move(Slot& slot, llama_seq_id to) {
  // A whole-stream copy (llama.cpp copies the buffers before the next decode): cells keep their
  // order, so the sequence's logits do not change.
  llama_memory_seq_cp(mem_, slot.seq, to, -1, -1);
  llama_memory_seq_rm(mem_, slot.seq, -1, -1);
  slot.seq = to;
}

void LlamaModel::StreamGenerateJob::hand_over(Slot& slot) {
  out_[slot.request] = std::move(slot.result);
  ++done_;
  if (progress_) progress_(done_, requests_.size());
}

void LlamaModel::StreamGenerateJob::retire() {
  for (size_t i = gen_.size(); i-- > 0;) {
    if (!gen_[i]->finished) continue;
    llama_memory_seq_rm(mem_, gen_[i]->seq, -1, -1);
    hand_over(*gen_[i]);
    if (i + 1 != gen_.size()) {
      move(*gen_.back(), static_cast<llama_seq_id>(i));
      gen_[i] = std::move(gen_.back());
    }
    gen_.pop_back();
  }
}

bool LlamaModel::generate_in_streams(const std::vector<GenerateRequest>& requests, std::vector<Tokens>& prompts,
                                     const std::vector<int>& limits, const Progress& progress, std::vector<Generation>& out) {
  const int longest = *std::max_element(limits.begin(), limits.end());
  const int wanted = static_cast<int>(std::min(requests.size(), static_cast<size_t>(n_parallel_)));
  // A generation call holds one token of each generating sequence: at most a batch of them.
  const int per_call = std::min(wanted, options_.n_batch);
  // Streams are each as long as the longest sequence; where the budget then holds fewer sequences
  // at once than the shared cache would (packed at their own lengths), the shared cache runs.
  const int64_t packed = cells_of_longest(limits, static_cast<size_t>(wanted));
  const int shared_fit = shared_cache_fit(wanted, packed);
  const int streams = stream_context(per_call, longest, shared_fit);
  if (streams < 1) return false;
  StreamGenerateJob job(*this, requests, std::move(prompts), limits, streams, progress);
  out = job.run();
  return true;
}

}  // namespace mop::lm
