#pragma once
// The llama.cpp backend: one model and one context, many sequences decoded together. Its options
// and factory are public (include/mop/lm_llama.h); scoring and generation are llama_score.cpp
// and llama_generate.cpp.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "llama.h"
#include "lm/chat_format.h"
#include "mop/lm_llama.h"

namespace mop::lm {

using Tokens = std::vector<llama_token>;
class Batch;

class LlamaModel final : public LanguageModel {
 public:
  explicit LlamaModel(const LlamaOptions& options);
  ~LlamaModel() override;

  std::string id() const override { return id_; }
  std::string render(const std::vector<ChatMessage>& messages) const override;
  using LanguageModel::render;
  std::vector<Score> score(const std::vector<ScoreRequest>& requests, const Progress& progress) override;
  std::vector<Generation> generate(const std::vector<GenerateRequest>& requests, const Progress& progress) override;
  std::vector<size_t> count_tokens(const std::vector<std::string>& texts) override;

  // Prompts may contain the template's special tokens; BOS is added when the model wants one and
  // the rendered text does not already start with it.
  Tokens tokenize_prompt(const std::string& text) const;
  // Continuations are plain text: no BOS, special-token text is not parsed.
  Tokens tokenize_text(const std::string& text) const;
  // special = true renders control tokens (<s>, <|im_end|>) as their text; generated text uses false.
  std::string token_piece(llama_token token, bool special = true) const;

  int n_vocab() const { return n_vocab_; }
  // Longest sequence (prompt + continuation) one sequence may hold: the context less one cell,
  // or with --ctx auto, auto_sequence_limit().
  int max_sequence_tokens() const { return max_seq_tokens_; }
  // Where max_sequence_tokens() comes from, for error messages.
  std::string context_note() const;
  // KV cells of the shared context (its last size while a stream context has its place).
  int kv_cells() const { return n_ctx_; }
  // Before a call decodes: `sequences` (at most --parallel) would be in flight at once and need
  // `cells` KV cells together, the longest `longest` tokens. With --ctx auto, grows the context to
  // hold them, within the KV memory limit, and says so on stderr. With any context, says (once per
  // new low) when fewer can run together than --parallel allows, and what to change.
  void fit_context(size_t sequences, size_t cells, size_t longest);
  // --kv-layout streams: the streams of the stream context (0 before one is made, or when the
  // budget holds too few and the last call ran in the shared cache).
  int kv_streams() const { return n_streams_; }
  const std::string& chat_format_kind() const { return format_->kind(); }
  // Tokens decoded since the model was opened (bench/lm_throughput sets
  // them against llama.cpp's own prompt-processing speed).
  uint64_t decoded_tokens() const { return decoded_tokens_; }

 private:
  // Decodes tokens [from, tokens.size()) of `tokens` into `seq` at their positions, no logits.
  void decode_into(llama_seq_id seq, const Tokens& tokens, size_t from);
  // Decodes `batch` in `ctx` (the shared context by default, or the stream context), counting its
  // tokens; throws on failure.
  void decode_or_throw(const Batch& batch, llama_context* ctx = nullptr);
  void warn_if_beyond_training(size_t n_tokens);
  // --ctx auto: the bytes a cell costs and the cells the KV memory limit allows.
  void set_kv_limit();
  // A context of `n_cells` with this model's settings (nullptr when llama.cpp cannot allocate it).
  llama_context* create_context(int n_cells) const;
  // --ctx auto: the longest sequence allowed, the model's training length (or the cells an
  // automatic cache starts with, if more) within the KV memory limit. Longer needs an explicit --ctx,
  // so that one runaway prompt cannot take the machine's memory and hours of attention.
  int auto_sequence_limit() const;
  // Sets the figures that follow from the context's size (n_ctx_, capacity_, max_seq_tokens_).
  void adopt_context(llama_context* ctx);
  // One KV cache at a time: frees the stream context and reopens the shared one (at its last
  // size) if a stream context had taken its place.
  void use_shared_context();

  // A generation prompt, tokenized; throws RequestError for one that cannot run.
  Tokens generation_prompt(size_t r, const GenerateRequest& request) const;
  // --kv-layout streams: makes stream_ctx_ hold `wanted` sequences of up to `longest` tokens, one
  // stream each, within the KV budget (--ctx, or --ctx auto's
  // memory limit), in place of the shared context (freed). Returns the sequences it holds at once,
  // or 0 (nothing changed) when the budget holds fewer than `at_least`.
  int stream_context(int wanted, int longest, int at_least);
  // Sequences the shared cache runs at once, of `sequences` that need `cells` together, within
  // the same budget (the explicit --ctx, or --ctx auto's memory limit): at least 1.
  int shared_cache_fit(int64_t sequences, int64_t cells) const;
  // Runs `requests` in stream_ctx_; false (nothing run) when no stream context fits.
  bool generate_in_streams(const std::vector<GenerateRequest>& requests, std::vector<Tokens>& prompts,
                           const std::vector<int>& limits, const Progress& progress, std::vector<Generation>& out);

  // One score() or generate() call: its state and its steps (llama_score.cpp, llama_generate.cpp,
  // llama_generate_streams.cpp).
  class ScoreJob;
  class GenerateJob;
  class StreamGenerateJob;

  LlamaOptions options_;
  std::filesystem::path path_;
  llama_model* model_ = nullptr;
  llama_context* ctx_ = nullptr;
  const llama_vocab* vocab_ = nullptr;
  std::unique_ptr<ChatFormat> format_;
  std::string id_;
  std::string bos_text_;
  int n_vocab_ = 0;
  int n_ctx_ = 0;
  int max_seq_tokens_ = 0;
  int n_ctx_train_ = 0;
  bool warned_ctx_train_ = false;
  int n_parallel_ = 0;
  llama_context_params cparams_{};
  // --ctx auto: the limit the cache grows within.
  bool auto_ctx_ = false;
  int64_t cell_bytes_ = 0;
  int64_t kv_limit_bytes_ = 0;
  std::string kv_limit_source_;
  int limit_cells_ = 0;
  size_t noted_fit_ = static_cast<size_t>(-1);  // the fewest sequences at once already reported
  // KV cells requests may use: the whole context.
  int capacity_ = 0;
  // The sequence id beside 0 (the shared prefix) and 1..n_parallel (requests) that keeps finished
  // generations' cells occupied until the cache is cleared.
  llama_seq_id parked_seq_ = 0;
  uint64_t decoded_tokens_ = 0;
  // --kv-layout streams: the context of generation and scoring in streams, n_streams_ streams of
  // stream_cells_ cells.
  llama_context* stream_ctx_ = nullptr;
  int n_streams_ = 0;
  int stream_cells_ = 0;
  int noted_streams_ = 1 << 30;  // the fewest sequences at once already reported

};

}  // namespace mop::lm
