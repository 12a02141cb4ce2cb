// Generation with parallel slots: up to --parallel sequences decode together, one token each per
// step, while waiting prompts are fed into the same batches. Each request samples with its own
// sampler chain seeded by its own seed, so its text does not depend on what else is in flight.
//
// Cell order: ggml's attention visits a query's cells in cell order, so a sequence's logits are
// the same in any batch only if its cells lie in position order. Freeing a finished sequence's
// cells would leave holes that later tokens fill out of order; instead its cells are parked (moved
// to a sequence nobody reads) and new tokens always go after the live cells. When the cache has no
// room for the next request, the ones in flight finish, the cache is cleared, and admission goes on.
#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>

#include "lm/batch.h"
#include "lm/generate_slot.h"
#include "lm/llama_model.h"
#include "mop/error.h"

namespace mop::lm {

// One generate() call: the requests waiting, the slots in flight and the steps of the decode loop.
class LlamaModel::GenerateJob {
 public:
  GenerateJob(LlamaModel& model, const std::vector<GenerateRequest>& requests, std::vector<Tokens> prompts, std::vector<int> limits,
              const Progress& progress);
  std::vector<Generation> run();

 private:
  // Admits waiting requests while a sequence and room in the KV cache are free.
  void admit();
  // Sizes the context for --parallel requests at once, the longest first (LlamaModel::fit_context).
  void fit_context() const;
  size_t promised_cells() const;          // cells the sequences in flight may still take
  void start(size_t r, Tokens prompt, int limit);
  // One batch: a token for every sequence that is generating, then prompt tokens to fill it.
  void fill_batch();
  // Samples, appends, checks the stopping rules.
  void sample();
  // Hands finished sequences' results over and frees their sequences (parking their cells).
  void retire();

  LlamaModel& m_;
  const std::vector<GenerateRequest>& requests_;
  const Progress& progress_;
  std::vector<Generation> out_;
  std::vector<Tokens> prompts_;  // [request]: tokenized up front, moved into its slot at admission
  std::vector<int> limits_;      // [request]: the longest its sequence may grow (prompt + max_tokens)
  llama_memory_t mem_ = nullptr;
  std::deque<size_t> waiting_;
  std::vector<std::unique_ptr<Slot>> active_;
  std::vector<llama_seq_id> free_seqs_;
  size_t used_ = 0;  // cells taken since the cache was last cleared (parked ones included)
  size_t done_ = 0;
  Batch batch_;
  std::vector<llama_logit_bias> eog_ban_;
};

LlamaModel::GenerateJob::GenerateJob(LlamaModel& model, const std::vector<GenerateRequest>& requests,
                                     std::vector<Tokens> prompts, std::vector<int> limits, const Progress& progress)
    : m_(model), requests_(requests), progress_(progress), out_(requests.size()), prompts_(std::move(prompts)), limits_(std::move(limits)),
      batch_(model.options_.n_batch) {
  for (size_t r = 0; r < requests.size(); ++r) waiting_.push_back(r);
  for (int s = m_.n_parallel_; s >= 1; --s) free_seqs_.push_back(s);
  eog_ban_ = eog_ban_of(m_.vocab_);
}

void LlamaModel::GenerateJob::fit_context() const {
  const size_t at_once = std::min(limits_.size(), static_cast<size_t>(m_.n_parallel_));
  const size_t longest = limits_.empty() ? 0 : static_cast<size_t>(*std::max_element(limits_.begin(), limits_.end()));
  m_.fit_context(at_once, static_cast<size_t>(cells_of_longest(limits_, at_once)), longest);
}

std::vector<Generation> LlamaModel::GenerateJob::run() {
  m_.use_shared_context();
  fit_context();
  mem_ = llama_get_memory(m_.ctx_);
  llama_memory_clear(mem_, false);  // metadata only: wiping the buffers costs a memset of the whole cache
  while (!waiting_.empty() || !active_.empty()) {
    admit();
    fill_batch();
    if (batch_.size() > 0) {
      m_.decode_or_throw(batch_);
      used_ += static_cast<size_t>(batch_.size());
    }
    sample();
    retire();
  }
  return std::move(out_);
}

void LlamaModel::GenerateJob::admit() {
  while (!waiting_.empty() && !free_seqs_.empty()) {
    const size_t r = waiting_.front();
    const int limit = limits_[r];
    m_.warn_if_beyond_training(static_cast<size_t>(limit));
    if (promised_cells() + limit > static_cast<size_t>(m_.capacity_)) {
      if (!active_.empty()) break;  // it waits for the ones in flight to finish
      llama_memory_clear(mem_, false);  // nothing in flight: the parked cells can go
      used_ = 0;
    }
    waiting_.pop_front();
    start(r, std::move(prompts_[r]), limit);
  }
}

size_t LlamaModel::GenerateJob::promised_cells() const {
  size_t promised = used_;
  for (const auto& slot : active_)
    if (!slot->finished) promised += static_cast<size_t>(slot->limit - slot->n_past);
  return promised;
}

void LlamaModel::GenerateJob::start(size_t r, Tokens prompt, int limit) {
  auto slot = std::make_unique<Slot>();
  slot->request = r;
  slot->seq = free_seqs_.back();
  free_seqs_.pop_back();
  slot->prompt = std::move(prompt);
  slot->limit = limit;
  slot->sampler = make_sampler(requests_[r].sampling, eog_ban_, m_.n_vocab_);
  if (requests_[r].sampling.max_tokens == 0) finish(*slot, "length");
  active_.push_back(std::move(slot));
}

void LlamaModel::GenerateJob::fill_batch() {
  batch_.clear();
  for (auto& slot : active_) {
    slot->batch_index = -1;
    if (!slot->finished && slot->fed == slot->prompt.size() && !batch_.full())  // more than a batch: the rest wait a step
      slot->batch_index = batch_.add(slot->last, slot->n_past++, slot->seq, true);
  }
  for (auto& slot : active_) {
    while (!slot->finished && slot->fed < slot->prompt.size() && !batch_.full()) {
      const bool last = slot->fed + 1 == slot->prompt.size();
      const int k = batch_.add(slot->prompt[slot->fed++], slot->n_past++, slot->seq, last);
      if (last) slot->batch_index = k;
    }
  }
}

void LlamaModel::GenerateJob::sample() {
  for (auto& slot : active_)
    if (!slot->finished && slot->batch_index >= 0) sample_next(*slot, m_, m_.ctx_, m_.vocab_, requests_[slot->request].sampling);
}

void LlamaModel::GenerateJob::retire() {
  for (auto it = active_.begin(); it != active_.end();) {
    Slot& slot = **it;
    if (!slot.finished) {
      ++it;
      continue;
    }
    llama_memory_seq_cp(mem_, slot.seq, m_.parked_seq_, -1, -1);  // keeps the cells taken: no hole
    llama_memory_seq_rm(mem_, slot.seq, -1, -1);
    free_seqs_.push_back(slot.seq);
    out_[slot.request] = std::move(slot.result);
    it = active_.erase(it);
    ++done_;
    if (progress_) progress_(done_, requests_.size());
  }
}

std::vector<Generation> LlamaModel::generate(const std::vector<GenerateRequest>& requests, const Progress& progress) {
  check_requests(requests);
  std::vector<Tokens> prompts;
  std::vector<int> limits;  // the longest each sequence may grow: its prompt and max_tokens, within the context
  for (size_t r = 0; r < requests.size(); ++r) {
    prompts.push_back(generation_prompt(r, requests[r]));
    limits.push_back(std::min<int>(max_sequence_tokens(), static_cast<int>(prompts[r].size()) + requests[r].sampling.max_tokens));
  }
  std::vector<Generation> out;
  if (options_.kv_streams && !requests.empty() && generate_in_streams(requests, prompts, limits, progress, out)) return out;
  GenerateJob job(*this, requests, std::move(prompts), std::move(limits), progress);
  return job.run();
}

Tokens LlamaModel::generation_prompt(size_t r, const GenerateRequest& request) const {
  Tokens prompt = tokenize_prompt(request.prompt);
  if (prompt.empty()) throw RequestError(r, "empty prompt");
  if (prompt.size() >= static_cast<size_t>(max_sequence_tokens()))
    throw RequestError(r, "prompt (" + std::to_string(prompt.size()) + " tokens) does not fit the context of " +
                              std::to_string(max_sequence_tokens()) + " tokens" + context_note());
  return prompt;
}

}  // namespace mop::lm
