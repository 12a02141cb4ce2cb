#pragma once
// A llama_batch that frees itself, with an add() that says what each slot is.
#include "llama.h"

namespace mop::lm {

class Batch {
 public:
  explicit Batch(int capacity) : batch_(llama_batch_init(capacity, 0, 1)), capacity_(capacity) {}
  ~Batch() { llama_batch_free(batch_); }
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  // Returns the slot index (the index for llama_get_logits_ith when `logits` is true).
  int add(llama_token token, llama_pos pos, llama_seq_id seq, bool logits) {
    const int k = batch_.n_tokens++;
    batch_.token[k] = token;
    batch_.pos[k] = pos;
    batch_.n_seq_id[k] = 1;
    batch_.seq_id[k][0] = seq;
    batch_.logits[k] = logits ? 1 : 0;
    return k;
  }
  void clear() { batch_.n_tokens = 0; }
  int size() const { return batch_.n_tokens; }
  bool full() const { return batch_.n_tokens >= capacity_; }
  int room() const { return capacity_ - batch_.n_tokens; }
  const llama_batch& get() const { return batch_; }

 private:
  llama_batch batch_;
  int capacity_;
};

}  // namespace mop::lm
