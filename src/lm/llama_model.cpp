#include "lm/llama_model.h"

#include <algorithm>
#include <cstdio>
#include <thread>

#include "lm/backend_modules.h"
#include "lm/batch.h"
#include "lm/cpu_kernels.h"
#include "lm/kv_cache_size.h"
#include "lm/llama_backend.h"
#include "lm/llama_tokenize.h"
#include "lm/model_source.h"
#include "mop/error.h"

namespace mop::lm {

namespace {

// A portable build with a GPU module that cannot open here (no driver): say once that mop runs on
// the CPU instead of silently ignoring --gpu-layers.
void warn_if_gpu_modules_skipped(int n_gpu_layers) {
  static bool warned = false;
  const std::string skipped = skipped_backend_modules();
  if (warned || n_gpu_layers == 0 || skipped.empty()) return;
  warned = true;
  std::fprintf(stderr, "mop: note: running on the CPU; a GPU backend was found but cannot be loaded here: %s",
               skipped.c_str());
}

}  // namespace

std::unique_ptr<LanguageModel> load_llama(const LlamaOptions& options) {
  return std::make_unique<LlamaModel>(options);
}

LlamaModel::LlamaModel(const LlamaOptions& options) : options_(options) {
  // Sequence ids: 0 the shared prefix, 1..n_parallel the requests, then the parked cells (see
  // llama_model.h).
  const int max_parallel = static_cast<int>(llama_max_parallel_sequences()) - 2;
  if (options.n_parallel < 1 || options.n_parallel > max_parallel)
    throw Error("--parallel must be between 1 and " + std::to_string(max_parallel));
  if (options.n_batch < 1) throw Error("--batch-tokens must be positive");
  if (options.n_ctx < 0 && options.n_ctx != kAutoCtx) throw Error("--ctx must be auto, 0 (the model's own length) or positive");
  if (options.kv_memory < 0) throw Error("--kv-memory must be positive (or auto)");
  init_llama_backend(options.verbose);
  const auto cache = options.cache_dir.empty() ? default_model_cache_dir() : std::filesystem::path(options.cache_dir);
  path_ = resolve_model(options.model, cache);

  llama_model_params mparams = llama_model_default_params();
  mparams.n_gpu_layers = options.n_gpu_layers;
  // Repacked weights (Q4_0, Q4_K, IQ4_NL on AVX2 and up) take one kernel per 4 rows and another
  // for the rest, which round differently: off where results must not depend on the batch.
  mparams.use_extra_bufts = !options.invariant_kernels;
  model_ = llama_model_load_from_file(path_.c_str(), mparams);
  if (!model_) throw Error("llama.cpp cannot load model " + path_.string() + " (unsupported architecture or corrupt file; rerun with --verbose for details)");
  // After the load: a model that cannot be found or read stays one line of error.
  warn_if_gpu_modules_skipped(options.n_gpu_layers);
  vocab_ = llama_model_get_vocab(model_);
  n_vocab_ = llama_vocab_n_tokens(vocab_);

  const int threads = options.n_threads > 0 ? options.n_threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  cparams_ = llama_context_default_params();
  // One micro-batch per decode call; llama.cpp reserves an output row per sequence, so never
  // fewer than the sequences.
  cparams_.n_batch = static_cast<uint32_t>(std::max(options.n_batch, options.n_parallel + 2));
  cparams_.n_ubatch = static_cast<uint32_t>(options.n_batch);
  cparams_.n_seq_max = static_cast<uint32_t>(options.n_parallel + 2);
  cparams_.n_threads = threads;
  cparams_.n_threads_batch = threads;
  cparams_.kv_unified = true;  // sequences share prefix cells (copied, not recomputed)
  cparams_.swa_full = true;    // sliding-window models keep the whole prefix for later copies
  cparams_.no_perf = true;
  n_parallel_ = options.n_parallel;
  auto_ctx_ = options.n_ctx == kAutoCtx;
  int n_cells = options.n_ctx;
  if (auto_ctx_) {
    try {
      set_kv_limit();
    } catch (...) {
      llama_model_free(model_);
      throw;
    }
    n_cells = std::min(kAutoCtxStart, limit_cells_);
  }
  // A sequence may use the whole context. Past the model's training length llama.cpp still runs
  // (as llama.cpp's own tools do) but quality may drop: warn_if_beyond_training() says so once.
  n_ctx_train_ = llama_model_n_ctx_train(model_);
  llama_context* ctx = create_context(n_cells);
  if (!ctx) {
    llama_model_free(model_);
    throw Error("llama.cpp cannot create a context for " + path_.string() + " (too little memory for " + std::to_string(n_cells) + " KV cells?)");
  }
  adopt_context(ctx);
  parked_seq_ = n_parallel_ + 1;

  try {
    format_ = std::make_unique<ChatFormat>(model_, options.chat_template);
  } catch (...) {
    llama_free(ctx_);
    llama_model_free(model_);
    throw;
  }
  // Identity for caches: the first 4 MiB cover the header and vocabulary.
  id_ = "llama.cpp:" + model_file_identity(path_, 4 << 20);
  if (llama_vocab_get_add_bos(vocab_)) bos_text_ = token_piece(llama_vocab_bos(vocab_));
}

void LlamaModel::set_kv_limit() {
  cell_bytes_ = kv_bytes_per_cell(model_, options_.n_batch);
  kv_limit_bytes_ = options_.kv_memory > 0 ? options_.kv_memory : default_kv_memory(options_.n_gpu_layers, &kv_limit_source_);
  if (options_.kv_memory > 0) kv_limit_source_ = "--kv-memory";
  const int64_t cells = kv_limit_bytes_ / cell_bytes_ / 256 * 256;
  limit_cells_ = static_cast<int>(std::min<int64_t>(cells, int64_t{1} << 30));
  if (limit_cells_ < 256)
    throw Error("the KV memory limit of " + format_bytes(kv_limit_bytes_) + " (" + kv_limit_source_ + ") holds fewer than 256 cells of " +
                path_.filename().string() + " (" + format_bytes(cell_bytes_) + " each): raise --kv-memory or give --ctx");
}

llama_context* LlamaModel::create_context(int n_cells) const {
  llama_context_params cparams = cparams_;
  cparams.n_ctx = static_cast<uint32_t>(n_cells);
  CpuKernelsScope kernels(options_.invariant_kernels ? CpuKernels::invariant : CpuKernels::fast);
  return llama_init_from_model(model_, cparams);
}

void LlamaModel::adopt_context(llama_context* ctx) {
  ctx_ = ctx;
  n_ctx_ = static_cast<int>(llama_n_ctx(ctx_));
  capacity_ = n_ctx_;
  max_seq_tokens_ = auto_ctx_ ? auto_sequence_limit() : capacity_;
}

int LlamaModel::auto_sequence_limit() const {
  return std::min(limit_cells_, std::max(n_ctx_train_, kAutoCtxStart));
}

std::string LlamaModel::context_note() const {
  if (!auto_ctx_) return " (" + std::to_string(n_ctx_) + " cells)";
  if (auto_sequence_limit() == limit_cells_)
    return " (the most KV cells the memory limit of " + format_bytes(kv_limit_bytes_) + ", " + kv_limit_source_ + ", allows: " +
           std::to_string(limit_cells_) + "; raise --kv-memory or give --ctx)";
  return " (--ctx auto gives a sequence the model's training length, " + std::to_string(n_ctx_train_) + " tokens, or " +
         std::to_string(kAutoCtxStart) + " if that is more; give --ctx for longer)";
}

void LlamaModel::fit_context(size_t sequences, size_t cells, size_t longest) {
  if (sequences == 0 || cells == 0) return;
  if (auto_ctx_ && cells > static_cast<size_t>(capacity_) && n_ctx_ < limit_cells_) {
    const int grown = cells_for_work(cells, n_ctx_, limit_cells_);
    const int before = n_ctx_;
    llama_free(ctx_);
    ctx_ = nullptr;
    llama_context* ctx = create_context(grown);
    if (!ctx) {
      std::fprintf(stderr, "mop: warning: llama.cpp cannot allocate %d KV cells; staying at %d\n", grown, before);
      ctx = create_context(before);
      if (!ctx) throw Error("llama.cpp cannot create a context of " + std::to_string(before) + " KV cells again after failing to grow it");
    }
    adopt_context(ctx);
    if (n_ctx_ != before)
      std::fprintf(stderr, "mop: KV cache: %d cells, for %zu sequences at once of up to %zu tokens (%s; --ctx auto, within %s: %s)\n",
                   n_ctx_, sequences, longest, format_bytes(static_cast<int64_t>(n_ctx_) * cell_bytes_).c_str(),
                   format_bytes(kv_limit_bytes_).c_str(), kv_limit_source_.c_str());
  }
  if (cells > static_cast<size_t>(capacity_) && sequences > 1) {
    // Sequences the cache holds at once, at the work's average cells per sequence.
    const size_t fit = std::max<size_t>(1, static_cast<size_t>(capacity_) * sequences / cells);
    if (fit >= noted_fit_) return;
    noted_fit_ = fit;
    const std::string hint = auto_ctx_ ? "the KV memory limit of " + format_bytes(kv_limit_bytes_) + " (" + kv_limit_source_ +
                                             ") allows no more: raise --kv-memory, or lower --parallel"
                                       : "raise --ctx, or leave it out to size the cache to the work";
    std::fprintf(stderr,
                 "mop: note: %zu sequences in flight (longest %zu tokens) need about %zu KV cells and the cache has %d, so about %zu run "
                 "together instead; %s\n",
                 sequences, longest, cells, n_ctx_, fit, hint.c_str());
  }
}

int LlamaModel::stream_context(int wanted, int longest, int at_least) {
  // llama.cpp pads a stream to 256 cells.
  const int cells = (longest + 255) / 256 * 256;
  const int budget = auto_ctx_ ? limit_cells_ : n_ctx_;
  const int fit = std::min(wanted, budget / cells);
  if (fit < std::max(at_least, 1)) return 0;
  if (!stream_ctx_ || stream_cells_ < cells || n_streams_ < fit) {
    if (stream_ctx_) llama_free(stream_ctx_);
    stream_ctx_ = nullptr;
    if (ctx_) llama_free(ctx_);  // one cache at a time: the shared one is reopened when needed
    ctx_ = nullptr;
    llama_context_params cparams = cparams_;
    cparams.kv_unified = false;
    cparams.n_seq_max = static_cast<uint32_t>(fit);
    cparams.n_ctx = static_cast<uint32_t>(fit * cells);
    CpuKernelsScope kernels(options_.invariant_kernels ? CpuKernels::invariant : CpuKernels::fast);
    stream_ctx_ = llama_init_from_model(model_, cparams);
    if (!stream_ctx_) {
      std::fprintf(stderr, "mop: warning: llama.cpp cannot allocate %d KV streams of %d cells; running in the shared cache\n", fit, cells);
      return 0;
    }
    n_streams_ = fit;
    stream_cells_ = static_cast<int>(llama_n_ctx_seq(stream_ctx_));
    const int64_t total = static_cast<int64_t>(n_streams_) * stream_cells_;
    if (auto_ctx_ && total > kAutoCtxStart)
      std::fprintf(stderr, "mop: KV cache: %d streams of %d cells, for %d sequences at once of up to %d tokens (%s; --ctx auto, within %s: %s)\n",
                   n_streams_, stream_cells_, fit, longest, format_bytes(total * cell_bytes_).c_str(), format_bytes(kv_limit_bytes_).c_str(),
                   kv_limit_source_.c_str());
  }
  const int at_once = std::min(wanted, n_streams_);
  if (at_once < wanted && at_once < noted_streams_) {
    noted_streams_ = at_once;
    std::fprintf(stderr,
                 "mop: note: %d sequences in flight of up to %d tokens need %d KV streams of %d cells and the budget of %d cells "
                 "holds %d, so %d run together instead; %s\n",
                 wanted, longest, wanted, cells, budget, n_streams_, at_once,
                 auto_ctx_ ? "raise --kv-memory, or lower --parallel" : "raise --ctx, or leave it out to size the cache to the work");
  }
  return at_once;
}

int LlamaModel::shared_cache_fit(int64_t sequences, int64_t cells) const {
  const int64_t room = auto_ctx_ ? limit_cells_ : n_ctx_;
  return static_cast<int>(std::min(sequences, std::max<int64_t>(1, room * sequences / std::max<int64_t>(cells, 1))));
}

void LlamaModel::use_shared_context() {
  if (stream_ctx_) llama_free(stream_ctx_);
  stream_ctx_ = nullptr;
  n_streams_ = 0;
  stream_cells_ = 0;
  if (ctx_) return;
  llama_context* ctx = create_context(n_ctx_);
  if (!ctx) throw Error("llama.cpp cannot create a context of " + std::to_string(n_ctx_) + " KV cells again after generating in streams");
  adopt_context(ctx);
}

LlamaModel::~LlamaModel() {
  format_.reset();
  if (stream_ctx_) llama_free(stream_ctx_);
  if (ctx_) llama_free(ctx_);
  if (model_) llama_model_free(model_);
}

std::string LlamaModel::render(const std::vector<ChatMessage>& messages) const { return format_->render(messages); }

Tokens LlamaModel::tokenize_prompt(const std::string& text) const {
  const bool has_bos_text = !bos_text_.empty() && text.rfind(bos_text_, 0) == 0;
  return lm::tokenize(vocab_, text, /*add_special=*/!has_bos_text, /*parse_special=*/true);
}

Tokens LlamaModel::tokenize_text(const std::string& text) const { return lm::tokenize(vocab_, text, false, false); }

std::vector<size_t> LlamaModel::count_tokens(const std::vector<std::string>& texts) {
  std::vector<size_t> out;
  out.reserve(texts.size());
  for (const auto& t : texts) out.push_back(tokenize_text(t).size());
  return out;
}

std::string LlamaModel::token_piece(llama_token token, bool special) const {
  char buf[256];
  int n = llama_token_to_piece(vocab_, token, buf, sizeof buf, 0, special);
  if (n >= 0) return std::string(buf, n);
  std::string big(-n, '\0');
  n = llama_token_to_piece(vocab_, token, big.data(), static_cast<int32_t>(big.size()), 0, special);
  big.resize(std::max(n, 0));
  return big;
}

void LlamaModel::warn_if_beyond_training(size_t n_tokens) {
  if (warned_ctx_train_ || n_ctx_train_ <= 0 || n_tokens <= static_cast<size_t>(n_ctx_train_)) return;
  warned_ctx_train_ = true;
  std::fprintf(stderr, "mop: warning: a sequence of %zu tokens is longer than the %d tokens %s was trained on\n", n_tokens,
               n_ctx_train_, path_.filename().c_str());
}

void LlamaModel::decode_or_throw(const Batch& batch, llama_context* ctx) {
  // A lone token or output row needs no company: with the invariant kernels mop's patch of ggml
  // sums a one-row matrix product as the many-row one does (docs/numerics.md).
  if (!ctx) ctx = ctx_;
  decoded_tokens_ += static_cast<uint64_t>(batch.size());
  const int rc = llama_decode(ctx, batch.get());
  if (rc == 1) throw Error("the KV cache is full (" + std::to_string(llama_n_ctx(ctx)) + " cells): raise --ctx or lower --parallel");
  if (rc != 0) throw std::runtime_error("llama_decode failed with status " + std::to_string(rc));
}

void LlamaModel::decode_into(llama_seq_id seq, const Tokens& tokens, size_t from) {
  Batch batch(options_.n_batch);
  for (size_t i = from; i < tokens.size();) {
    batch.clear();
    for (; i < tokens.size() && !batch.full(); ++i) batch.add(tokens[i], static_cast<llama_pos>(i), seq, false);
    decode_or_throw(batch);
  }
}

}  // namespace mop::lm
