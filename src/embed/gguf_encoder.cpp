#include "embed/gguf_encoder.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "lm/batch.h"
#include "lm/llama_backend.h"
#include "lm/llama_tokenize.h"
#include "lm/model_source.h"
#include "mop/error.h"

namespace mop::embed {
namespace {

// The pooling the model file declares (<arch>.pooling_type); models that declare none (or
// "none") are pooled by the mean, the sentence-transformers default for the BERT family.
enum llama_pooling_type declared_pooling(const llama_model* model, const std::filesystem::path& path) {
  char arch[128] = {};
  char value[32] = {};
  if (llama_model_meta_val_str(model, "general.architecture", arch, sizeof arch) < 0) return LLAMA_POOLING_TYPE_MEAN;
  const std::string key = std::string(arch) + ".pooling_type";
  if (llama_model_meta_val_str(model, key.c_str(), value, sizeof value) < 0) return LLAMA_POOLING_TYPE_MEAN;
  switch (std::atoi(value)) {
    case LLAMA_POOLING_TYPE_NONE:
    case LLAMA_POOLING_TYPE_MEAN: return LLAMA_POOLING_TYPE_MEAN;
    case LLAMA_POOLING_TYPE_CLS: return LLAMA_POOLING_TYPE_CLS;
    case LLAMA_POOLING_TYPE_LAST: return LLAMA_POOLING_TYPE_LAST;
    case LLAMA_POOLING_TYPE_RANK:
      throw Error(path.string() + " is a reranking model (pooling \"rank\"), not a sentence embedding model");
    default: throw Error(path.string() + ": unknown pooling type " + std::string(value) + " in " + key);
  }
}

}  // namespace

GgufEncoder::GgufEncoder(const GgufEncoderOptions& options) : options_(options) {
  if (options.batch_size < 1 || static_cast<size_t>(options.batch_size) > llama_max_parallel_sequences())
    throw Error("encoder batch size must be between 1 and " + std::to_string(llama_max_parallel_sequences()));
  if (options.n_batch < 1) throw Error("encoder tokens per call must be positive");
  lm::init_llama_backend(options.verbose);
  path_ = lm::resolve_model(options.model, options.model_cache_dir.empty() ? lm::default_model_cache_dir() : options.model_cache_dir);

  llama_model_params mparams = llama_model_default_params();
  model_ = llama_model_load_from_file(path_.c_str(), mparams);
  if (!model_) throw Error("llama.cpp cannot load model " + path_.string() + " (unsupported architecture or corrupt file; rerun with --verbose for details)");
  try {
    vocab_ = llama_model_get_vocab(model_);
    pooling_ = declared_pooling(model_, path_);
    dim_ = llama_model_n_embd_out(model_);
    const int n_ctx_train = llama_model_n_ctx_train(model_);
    max_tokens_ = n_ctx_train > 0 ? std::min(n_ctx_train, kMaxTokensPerText) : kMaxTokensPerText;
    // One call holds up to n_batch tokens, or one whole text when that is longer.
    n_ubatch_ = std::max(options.n_batch, max_tokens_);
    // A multiple of the sequence count: llama.cpp's worst-case graph for mean pooling rounds the
    // tokens up to one and then fails to build (ggml_can_mul_mat) when that changes the count.
    n_ubatch_ = (n_ubatch_ + options.batch_size - 1) / options.batch_size * options.batch_size;

    const int threads = options.n_threads > 0 ? options.n_threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    llama_context_params cparams = llama_context_default_params();
    cparams.embeddings = true;
    cparams.pooling_type = pooling_;
    // Encoders (no KV cache) need the whole call in one micro-batch; decoder-based models keep
    // one call in the cache, cleared before the next.
    cparams.n_ctx = static_cast<uint32_t>(n_ubatch_);
    cparams.n_batch = static_cast<uint32_t>(n_ubatch_);
    cparams.n_ubatch = static_cast<uint32_t>(n_ubatch_);
    cparams.n_seq_max = static_cast<uint32_t>(options.batch_size);
    cparams.kv_unified = true;  // any sequence may use the whole cache
    cparams.n_threads = threads;
    cparams.n_threads_batch = threads;
    cparams.no_perf = true;
    ctx_ = llama_init_from_model(model_, cparams);
    if (!ctx_) throw Error("llama.cpp cannot create an embedding context for " + path_.string() + " (out of memory?)");
    id_ = "gguf:" + lm::model_file_identity(path_, 1 << 20);
  } catch (...) {
    if (ctx_) llama_free(ctx_);
    llama_model_free(model_);
    throw;
  }
}

GgufEncoder::~GgufEncoder() {
  if (ctx_) llama_free(ctx_);
  if (model_) llama_model_free(model_);
}

std::vector<llama_token> GgufEncoder::tokenize(const std::string& text) const {
  // Plain text: special tokens are added by the tokenizer, never parsed from the text.
  std::vector<llama_token> tokens = lm::tokenize(vocab_, text, /*add_special=*/true, /*parse_special=*/false);
  if (tokens.empty()) {
    // A model that adds no special tokens, on an empty text: run it on BOS (or EOS) alone.
    const llama_token t = llama_vocab_bos(vocab_) != LLAMA_TOKEN_NULL ? llama_vocab_bos(vocab_) : llama_vocab_eos(vocab_);
    if (t == LLAMA_TOKEN_NULL) throw Error("cannot embed an empty text with " + path_.filename().string());
    tokens.push_back(t);
  }
  if (static_cast<int>(tokens.size()) > max_tokens_) {
    // Keep the closing [SEP]/EOS the tokenizer added: the model was trained with it last.
    const llama_token last = tokens.back();
    const bool closing = last != LLAMA_TOKEN_NULL && (last == llama_vocab_sep(vocab_) || last == llama_vocab_eos(vocab_));
    tokens.resize(max_tokens_);
    if (closing) tokens.back() = last;
  }
  return tokens;
}

Matrix GgufEncoder::encode(const std::vector<std::string>& texts) {
  Matrix out(static_cast<Eigen::Index>(texts.size()), dim_);
  std::vector<std::vector<llama_token>> tokens;
  tokens.reserve(texts.size());
  for (const auto& t : texts) tokens.push_back(tokenize(t));
  const size_t max_texts = static_cast<size_t>(options_.batch_size);
  const size_t max_call_tokens = static_cast<size_t>(options_.n_batch);
  for (size_t begin = 0; begin < texts.size();) {
    size_t end = begin;
    size_t call_tokens = 0;
    // A text always goes in when the call is empty: it fits the micro-batch on its own.
    while (end < texts.size() && end - begin < max_texts && (end == begin || call_tokens + tokens[end].size() <= max_call_tokens)) {
      call_tokens += tokens[end].size();
      ++end;
    }
    encode_call(tokens, begin, end, out);
    begin = end;
  }
  return out;
}

void GgufEncoder::encode_call(const std::vector<std::vector<llama_token>>& tokens, size_t begin, size_t end, Matrix& out) {
  lm::Batch batch(n_ubatch_);
  for (size_t i = begin; i < end; ++i) {
    const auto seq = static_cast<llama_seq_id>(i - begin);
    for (size_t p = 0; p < tokens[i].size(); ++p) batch.add(tokens[i][p], static_cast<llama_pos>(p), seq, true);
  }
  llama_memory_clear(llama_get_memory(ctx_), true);  // decoder-based models: forget the last call
  const int rc = llama_decode(ctx_, batch.get());
  if (rc != 0) throw std::runtime_error("llama.cpp embedding call failed with status " + std::to_string(rc));
  for (size_t i = begin; i < end; ++i) {
    const float* e = llama_get_embeddings_seq(ctx_, static_cast<llama_seq_id>(i - begin));
    if (!e) throw std::runtime_error("llama.cpp returned no pooled embedding");
    const Eigen::Map<const Eigen::RowVectorXf> v(e, dim_);
    const float norm = v.norm();
    if (!std::isfinite(norm) || norm == 0.0f)
      throw Error(path_.filename().string() + " gave a zero or non-finite embedding (text " + std::to_string(i) + ")");
    out.row(static_cast<Eigen::Index>(i)) = v / norm;
  }
}

}  // namespace mop::embed
