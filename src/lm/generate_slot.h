#pragma once
// What both generation layouts (one shared KV cache, llama_generate.cpp; one stream per sequence,
// llama_generate_streams.cpp) share: a request's slot, its sampler and its stopping rules. Each
// request samples with its own sampler chain seeded by its own seed, so its text does not depend on
// what else is in flight.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "llama.h"
#include "mop/lm.h"

namespace mop::lm {

class LlamaModel;

struct SamplerDeleter {
  void operator()(llama_sampler* s) const { llama_sampler_free(s); }
};
using SamplerPtr = std::unique_ptr<llama_sampler, SamplerDeleter>;

// Temperature first, then nucleus (the order of HF transformers and vLLM), then a seeded draw.
SamplerPtr make_sampler(const SamplingParams& p, const std::vector<llama_logit_bias>& eog_ban, int n_vocab);

// Every end-of-generation token of the vocabulary at -inf (for ignore_eos).
std::vector<llama_logit_bias> eog_ban_of(const llama_vocab* vocab);

// The cells the `n` longest of `limits` (each a sequence's prompt + max_tokens) take together.
int64_t cells_of_longest(std::vector<int> limits, size_t n);

// Throws RequestError for sampling settings that cannot run.
void check_requests(const std::vector<GenerateRequest>& requests);

struct Slot {
  size_t request = 0;
  llama_seq_id seq = 0;
  std::vector<llama_token> prompt;
  size_t fed = 0;        // prompt tokens already decoded
  llama_token last = 0;  // last sampled token, decoded in the next step
  int n_past = 0;        // position of the next token
  int limit = 0;         // position limit for this sequence
  int batch_index = -1;  // where this slot's logits are in the current batch, if any
  SamplerPtr sampler;
  Generation result;
  bool finished = false;
};

// Marks `slot` finished for `reason` ("stop", "length"), cutting a trailing incomplete character.
void finish(Slot& slot, const char* reason);

// Samples the slot's next token from logits row `slot.batch_index` of `ctx`, appends its text and
// applies the stopping rules (end of generation, stop strings, max tokens, the sequence's limit).
void sample_next(Slot& slot, const LlamaModel& model, llama_context* ctx, const llama_vocab* vocab, const SamplingParams& sampling);

}  // namespace mop::lm
