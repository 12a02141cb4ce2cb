#pragma once
// mop::embed::GgufEncoder — a sentence encoder from any GGUF embedding model llama.cpp runs (BERT
// family: MiniLM, bge, e5, nomic, jina, ...; also decoder-based ones with last-token pooling).
//
// A text's vector:
//   1. tokens: the model's tokenizer with its special tokens ([CLS] ... [SEP] for BERT). Texts
//      longer than the model's context (its training length, at most kMaxTokensPerText) are cut
//      to it, keeping the closing separator — as sentence-transformers does;
//   2. the model's pooling over the last layer: the pooling type the model declares
//      (<arch>.pooling_type: mean, cls or last), else mean;
//   3. v / |v|.
// Many texts go through the model per call (up to batch_size texts and n_batch tokens), each as
// its own sequence; a text's vector does not depend on the other texts of the call (up to float
// rounding, ~1e-6).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "llama.h"
#include "mop/embed.h"

namespace mop::embed {

struct GgufEncoderOptions {
  std::string model;                     // a GGUF path, or hf:OWNER/REPO/FILE.gguf
  std::filesystem::path model_cache_dir;  // hub downloads ("" = lm::default_model_cache_dir())
  int n_threads = 0;                     // 0 = all cores
  int batch_size = 64;                   // texts per model call (at most 256)
  int n_batch = 256;                     // tokens per model call (a longer text goes alone); short
                                         // calls waste less on attention across sequences
  bool verbose = false;                  // pass llama.cpp's own log through
};

class GgufEncoder final : public Encoder {
 public:
  // Longest text, in tokens, any model is run on: bounds the memory of one call.
  static constexpr int kMaxTokensPerText = 2048;

  // Throws mop::Error with one clear line for a missing, non-GGUF, truncated or unloadable file,
  // and for a reranker (pooling "rank"), which scores pairs instead of embedding texts.
  explicit GgufEncoder(const GgufEncoderOptions& options);
  ~GgufEncoder() override;
  GgufEncoder(const GgufEncoder&) = delete;
  GgufEncoder& operator=(const GgufEncoder&) = delete;

  // "gguf:<file name>:<size>:<hash of the first MiB>"
  std::string id() const override { return id_; }
  int dim() const override { return dim_; }
  Matrix encode(const std::vector<std::string>& texts) override;

  // The tokens a text is run as (with special tokens, truncated to max_tokens()).
  std::vector<llama_token> tokenize(const std::string& text) const;
  int max_tokens() const { return max_tokens_; }
  enum llama_pooling_type pooling() const { return pooling_; }
  llama_model* model() const { return model_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  // Runs texts [begin, end) (one sequence each) and writes their unit vectors into out's rows.
  void encode_call(const std::vector<std::vector<llama_token>>& tokens, std::size_t begin, std::size_t end, Matrix& out);

  GgufEncoderOptions options_;
  std::filesystem::path path_;
  llama_model* model_ = nullptr;
  llama_context* ctx_ = nullptr;
  const llama_vocab* vocab_ = nullptr;
  enum llama_pooling_type pooling_ = LLAMA_POOLING_TYPE_MEAN;
  std::string id_;
  int dim_ = 0;
  int max_tokens_ = 0;
  int n_ubatch_ = 0;
};

}  // namespace mop::embed
