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

#include "lm/batch.h"
#include "lm/llama_model.h"
#include "mop/error.h"

namespace mop::lm {
namespace {

struct SamplerDeleter {
  void operator()(llama_sampler* s) const { llama_sampler_free(s); }
};
using SamplerPtr = std::unique_ptr<llama_sampler, SamplerDeleter>;

// Temperature first, then nucleus (the order of HF transformers and vLLM), then a seeded draw.
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

// Drops a trailing incomplete UTF-8 sequence (a generation cut by the token limit mid-character).
void trim_incomplete_utf8(std::string& s) {
  size_t i = s.size(), back = 0;
  while (i > 0 && back < 4 && (static_cast<unsigned char>(s[i - 1]) & 0xC0) == 0x80) --i, ++back;
  if (i == 0) return;
  const auto lead = static_cast<unsigned char>(s[i - 1]);
  const size_t len = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 1;
  if (back + 1 < len) s.resize(i - 1);
}

struct Slot {
  size_t request = 0;
  llama_seq_id seq = 0;
  Tokens prompt;
  size_t fed = 0;        // prompt tokens already decoded
  llama_token last = 0;  // last sampled token, decoded in the next step
  int n_past = 0;        // position of the next token
  int limit = 0;         // position limit for this sequence
  int batch_index = -1;  // where this slot's logits are in the current batch, if any
  SamplerPtr sampler;
  Generation result;
  bool finished = false;
};

}  // namespace

std::vector<Generation> LlamaModel::generate(const std::vector<GenerateRequest>& requests, const Progress& progress) {
  std::vector<Generation> out(requests.size());
  for (size_t r = 0; r < requests.size(); ++r) {
    const auto& s = requests[r].sampling;
    if (!std::isfinite(s.temperature)) throw RequestError(r, "temperature is not a number");
    if (!(s.top_p > 0 && s.top_p <= 1)) throw RequestError(r, "top-p must be in (0, 1]");
    if (s.max_tokens < 0) throw RequestError(r, "max tokens must not be negative");
  }

  llama_memory_t mem = llama_get_memory(ctx_);
  llama_memory_clear(mem, false);  // metadata only: wiping the buffers costs a memset of the whole cache
  std::deque<size_t> waiting;
  for (size_t r = 0; r < requests.size(); ++r) waiting.push_back(r);
  std::vector<std::unique_ptr<Slot>> active;
  std::vector<llama_seq_id> free_seqs;
  for (int s = n_parallel_; s >= 1; --s) free_seqs.push_back(s);
  size_t used = 0, done = 0;  // cells taken since the cache was last cleared (parked ones included)
  Batch batch(options_.n_batch);
  std::vector<llama_logit_bias> eog_ban;
  for (llama_token t = 0; t < n_vocab_; ++t)
    if (llama_vocab_is_eog(vocab_, t)) eog_ban.push_back({t, -INFINITY});

  auto finish = [&](Slot& slot, const char* reason) {
    slot.finished = true;
    slot.result.finish_reason = reason;
    trim_incomplete_utf8(slot.result.text);
  };

  while (!waiting.empty() || !active.empty()) {
    // Admit waiting requests while a sequence and room in the KV cache are free.
    while (!waiting.empty() && !free_seqs.empty()) {
      const size_t r = waiting.front();
      Tokens prompt = tokenize_prompt(requests[r].prompt);
      if (prompt.empty()) throw RequestError(r, "empty prompt");
      if (prompt.size() >= static_cast<size_t>(max_sequence_tokens()))
        throw RequestError(r, "prompt (" + std::to_string(prompt.size()) +
                    " tokens) does not fit the context of " + std::to_string(max_sequence_tokens()) + " tokens" + context_note());
      const int limit = std::min<int>(max_sequence_tokens(), static_cast<int>(prompt.size()) + requests[r].sampling.max_tokens);
      warn_if_beyond_training(static_cast<size_t>(limit));
      size_t promised = used;  // cells the sequences in flight may still take
      for (const auto& slot : active)
        if (!slot->finished) promised += static_cast<size_t>(slot->limit - slot->n_past);
      if (promised + limit > static_cast<size_t>(capacity_)) {
        if (!active.empty()) break;
        llama_memory_clear(mem, false);  // nothing in flight: the parked cells can go
        used = 0;
      }
      waiting.pop_front();
      auto slot = std::make_unique<Slot>();
      slot->request = r;
      slot->seq = free_seqs.back();
      free_seqs.pop_back();
      slot->prompt = std::move(prompt);
      slot->limit = limit;
      slot->sampler = make_sampler(requests[r].sampling, eog_ban, n_vocab_);
      if (requests[r].sampling.max_tokens == 0) finish(*slot, "length");
      active.push_back(std::move(slot));
    }

    // One batch: a token for every sequence that is generating, then prompt tokens to fill it.
    batch.clear();
    for (auto& slot : active) {
      slot->batch_index = -1;
      if (!slot->finished && slot->fed == slot->prompt.size())
        slot->batch_index = batch.add(slot->last, slot->n_past++, slot->seq, true);
    }
    for (auto& slot : active) {
      while (!slot->finished && slot->fed < slot->prompt.size() && !batch.full()) {
        const bool last = slot->fed + 1 == slot->prompt.size();
        const int k = batch.add(slot->prompt[slot->fed++], slot->n_past++, slot->seq, last);
        if (last) slot->batch_index = k;
      }
    }
    if (batch.size() > 0) {
      decode_or_throw(batch);
      used += static_cast<size_t>(batch.size());
    }

    // Sample, append, check the stopping rules.
    for (auto& slot : active) {
      if (slot->finished || slot->batch_index < 0) continue;
      const llama_token tok = llama_sampler_sample(slot->sampler.get(), ctx_, slot->batch_index);
      const auto& sp = requests[slot->request].sampling;
      if (llama_vocab_is_eog(vocab_, tok)) {
        finish(*slot, "stop");
        continue;
      }
      slot->last = tok;
      slot->result.n_tokens++;
      std::string& text = slot->result.text;
      const size_t before = text.size();
      text += token_piece(tok, /*special=*/false);
      bool stopped = false;
      for (const auto& stop : sp.stop) {
        if (stop.empty()) continue;
        const size_t from = before >= stop.size() ? before - stop.size() + 1 : 0;
        const size_t at = text.find(stop, from);
        if (at != std::string::npos) {
          text.resize(at);
          stopped = true;
        }
      }
      if (stopped) finish(*slot, "stop");
      else if (slot->result.n_tokens >= sp.max_tokens || slot->n_past >= slot->limit) finish(*slot, "length");
    }

    // Retire finished sequences.
    for (auto it = active.begin(); it != active.end();) {
      Slot& slot = **it;
      if (!slot.finished) {
        ++it;
        continue;
      }
      llama_memory_seq_cp(mem, slot.seq, parked_seq_, -1, -1);  // keeps the cells taken: no hole
      llama_memory_seq_rm(mem, slot.seq, -1, -1);
      free_seqs.push_back(slot.seq);
      out[slot.request] = std::move(slot.result);
      it = active.erase(it);
      ++done;
      if (progress) progress(done, requests.size());
    }
  }
  return out;
}

}  // namespace mop::lm
