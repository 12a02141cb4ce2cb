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

// One generate() call: the requests waiting, the slots in flight and the steps of the decode loop.
class LlamaModel::GenerateJob {
 public:
  GenerateJob(LlamaModel& model, const std::vector<GenerateRequest>& requests, const Progress& progress);
  std::vector<Generation> run();

 private:
  // Admits waiting requests while a sequence and room in the KV cache are free.
  void admit();
  Tokens checked_prompt(size_t r) const;  // throws RequestError for a prompt that cannot run
  // The longest a request's sequence may grow: its prompt and max_tokens, within the context.
  int sequence_limit(size_t r) const;
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
                                     const Progress& progress)
    : m_(model), requests_(requests), progress_(progress), out_(requests.size()), batch_(model.options_.n_batch) {
  prompts_.reserve(requests.size());
  for (size_t r = 0; r < requests.size(); ++r) {
    prompts_.push_back(checked_prompt(r));
    waiting_.push_back(r);
  }
  for (int s = m_.n_parallel_; s >= 1; --s) free_seqs_.push_back(s);
  for (llama_token t = 0; t < m_.n_vocab_; ++t)
    if (llama_vocab_is_eog(m_.vocab_, t)) eog_ban_.push_back({t, -INFINITY});
}

int LlamaModel::GenerateJob::sequence_limit(size_t r) const {
  return std::min<int>(m_.max_sequence_tokens(), static_cast<int>(prompts_[r].size()) + requests_[r].sampling.max_tokens);
}

void LlamaModel::GenerateJob::fit_context() const {
  std::vector<size_t> limits;
  limits.reserve(requests_.size());
  for (size_t r = 0; r < requests_.size(); ++r) limits.push_back(static_cast<size_t>(sequence_limit(r)));
  const size_t at_once = std::min(limits.size(), static_cast<size_t>(m_.n_parallel_));
  std::partial_sort(limits.begin(), limits.begin() + static_cast<std::ptrdiff_t>(at_once), limits.end(), std::greater<>());
  size_t cells = 0;
  for (size_t i = 0; i < at_once; ++i) cells += limits[i];
  m_.fit_context(at_once, cells, at_once > 0 ? limits[0] : 0);
}

std::vector<Generation> LlamaModel::GenerateJob::run() {
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
    const int limit = sequence_limit(r);
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

Tokens LlamaModel::GenerateJob::checked_prompt(size_t r) const {
  Tokens prompt = m_.tokenize_prompt(requests_[r].prompt);
  if (prompt.empty()) throw RequestError(r, "empty prompt");
  if (prompt.size() >= static_cast<size_t>(m_.max_sequence_tokens()))
    throw RequestError(r, "prompt (" + std::to_string(prompt.size()) +
                " tokens) does not fit the context of " + std::to_string(m_.max_sequence_tokens()) + " tokens" + m_.context_note());
  return prompt;
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
    if (!slot->finished && slot->fed == slot->prompt.size())
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
  for (auto& slot : active_) {
    if (slot->finished || slot->batch_index < 0) continue;
    const llama_token tok = llama_sampler_sample(slot->sampler.get(), m_.ctx_, slot->batch_index);
    const auto& sp = requests_[slot->request].sampling;
    if (llama_vocab_is_eog(m_.vocab_, tok)) {
      finish(*slot, "stop");
      continue;
    }
    slot->last = tok;
    slot->result.n_tokens++;
    if (append_until_stop(slot->result.text, m_.token_piece(tok, /*special=*/false), sp.stop)) finish(*slot, "stop");
    else if (slot->result.n_tokens >= sp.max_tokens || slot->n_past >= slot->limit) finish(*slot, "length");
  }
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
  GenerateJob job(*this, requests, progress);
  return job.run();
}

}  // namespace mop::lm
