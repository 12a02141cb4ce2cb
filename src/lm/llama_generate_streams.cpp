// Generation with one KV stream per sequence (--kv-layout streams): each sequence's cells lie in
// its own stream, so its attention runs over its own cells only and the cost of a token depends on
// its own sequence's length, not on what else is in flight (a shared cache makes every query pass
// every cell in flight; docs/benchmarks.md).
//
// llama.cpp splits a batch over several streams only into micro-batches of consecutive sequence
// ids with equal tokens each (split_equal, sequential), and every micro-batch is its own graph:
// a lone token or a lone output row there would take ggml's one-row kernels, which round
// differently (docs/numerics.md). So the ids are kept in this shape:
//   - the sequences that generate hold ids 0..g-1 and decode together, one token each;
//   - one prompt at a time is fed, at id g, in calls of its own;
//   - a finished sequence's place is taken by the one at g-1 (a whole-stream copy), and the prompt
//     being fed moves down with it, so the ids stay consecutive;
//   - a call of one token gets a companion token in the free stream after it (removed at once); a
//     call with one output row marks a second row as output; the lone generating sequence takes
//     one token of the prompt being fed at id 1 instead of a companion.
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
  // One token for each generating sequence (and maybe one of the prompt at id 1), then sampling.
  void generate_step();
  // Prompt tokens, up to one batch in all this step, admitting waiting requests as prompts finish.
  void feed_step();
  // Decodes `batch_`: a companion when it holds one token, a second output row when it has one.
  void decode(llama_seq_id companion_seq);
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
  int streams_;  // sequences at once (the context has one stream more, for companions)
  std::deque<size_t> waiting_;
  std::vector<std::unique_ptr<Slot>> gen_;  // [id]: the sequences that generate
  std::unique_ptr<Slot> feed_;              // the prompt being fed, at id g()
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
  while (!waiting_.empty() || feed_ || !gen_.empty()) {
    generate_step();
    retire();
    feed_step();
    retire();
  }
  return std::move(out_);
}

void LlamaModel::StreamGenerateJob::decode(llama_seq_id companion_seq) {
  // A second output row: the last one before the lone output (its logits are not read).
  if (batch_.size() > 1 && batch_.outputs() == 1) batch_.mark_output_beside_the_only_one();
  const bool companion = batch_.size() == 1;
  if (companion) batch_.add(m_.companion_token_, 0, companion_seq, batch_.outputs() == 1);
  m_.decoded_tokens_ += static_cast<uint64_t>(batch_.size() - (companion ? 1 : 0));
  const int rc = llama_decode(ctx_, batch_.get());
  if (companion) {
    llama_memory_seq_rm(mem_, companion_seq, -1, -1);
    batch_.pop();
  }
  if (rc != 0) throw std::runtime_error("llama_decode failed with status " + std::to_string(rc));
}

void LlamaModel::StreamGenerateJob::generate_step() {
  if (gen_.empty()) return;
  batch_.clear();
  for (auto& slot : gen_) slot->batch_index = batch_.add(slot->last, slot->n_past++, slot->seq, true);
  if (gen_.size() == 1 && feed_) {  // the prompt at id 1 keeps the lone token company
    const bool last = feed_->fed + 1 == feed_->prompt.size();
    const int k = batch_.add(feed_->prompt[feed_->fed++], feed_->n_past++, feed_->seq, true);
    if (last) feed_->batch_index = k;
  }
  decode(g());  // a companion only for a lone token, and then no prompt is fed: id g() is free
  for (auto& slot : gen_) sample_next(*slot, m_, ctx_, m_.vocab_, requests_[slot->request].sampling);
  if (feed_ && feed_->fed == feed_->prompt.size()) {
    sample_next(*feed_, m_, ctx_, m_.vocab_, requests_[feed_->request].sampling);
    gen_.push_back(std::move(feed_));
  }
}

void LlamaModel::StreamGenerateJob::feed_step() {
  int budget = m_.options_.n_batch;
  while (budget > 0) {
    if (!feed_) {
      if (waiting_.empty() || g() >= streams_) return;
      const size_t r = waiting_.front();
      waiting_.pop_front();
      feed_ = std::make_unique<Slot>();
      feed_->request = r;
      feed_->seq = g();
      feed_->prompt = std::move(prompts_[r]);
      feed_->limit = limits_[r];
      feed_->sampler = make_sampler(requests_[r].sampling, eog_ban_, m_.n_vocab_);
      m_.warn_if_beyond_training(static_cast<size_t>(feed_->limit));
      if (requests_[r].sampling.max_tokens == 0) {
        finish(*feed_, "length");
        hand_over(*feed_);
        feed_.reset();
        continue;
      }
    }
    batch_.clear();
    while (feed_->fed < feed_->prompt.size() && budget > 0) {
      const bool last = feed_->fed + 1 == feed_->prompt.size();
      const int k = batch_.add(feed_->prompt[feed_->fed++], feed_->n_past++, feed_->seq, last);
      if (last) feed_->batch_index = k;
      --budget;
    }
    decode(feed_->seq + 1);  // the stream after the prompt's is free (at most streams_ - 1 generate)
    if (feed_->fed < feed_->prompt.size()) return;
    sample_next(*feed_, m_, ctx_, m_.vocab_, requests_[feed_->request].sampling);
    if (feed_->finished) {
      llama_memory_seq_rm(mem_, feed_->seq, -1, -1);
      hand_over(*feed_);
    } else {
      gen_.push_back(std::move(feed_));
    }
    feed_.reset();
  }
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
  bool moved = false;
  for (size_t i = gen_.size(); i-- > 0;) {
    if (!gen_[i]->finished) continue;
    llama_memory_seq_rm(mem_, gen_[i]->seq, -1, -1);
    hand_over(*gen_[i]);
    if (i + 1 != gen_.size()) {
      move(*gen_.back(), static_cast<llama_seq_id>(i));
      gen_[i] = std::move(gen_.back());
    }
    gen_.pop_back();
    moved = true;
  }
  if (moved && feed_ && feed_->seq != g()) move(*feed_, g());
}

bool LlamaModel::generate_in_streams(const std::vector<GenerateRequest>& requests, std::vector<Tokens>& prompts,
                                     const std::vector<int>& limits, const Progress& progress, std::vector<Generation>& out) {
  const int longest = *std::max_element(limits.begin(), limits.end());
  const int wanted = static_cast<int>(std::min(requests.size(), static_cast<size_t>(n_parallel_)));
  // Streams are each as long as the longest sequence; where the budget then holds fewer sequences
  // at once than the shared cache would (packed at their own lengths), the shared cache runs.
  const int64_t packed = cells_of_longest(limits, static_cast<size_t>(wanted));
  const int64_t room = (auto_ctx_ ? limit_cells_ : n_ctx_) - 1;  // the shared cache keeps a cell for the companion
  const int shared_fit = static_cast<int>(std::min<int64_t>(wanted, std::max<int64_t>(1, room * wanted / packed)));
  const int streams = stream_context(wanted, longest, shared_fit);
  if (streams < 1) return false;
  StreamGenerateJob job(*this, requests, std::move(prompts), limits, streams, progress);
  out = job.run();
  return true;
}

}  // namespace mop::lm
