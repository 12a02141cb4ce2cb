#pragma once
// The llama.cpp backend of mop::lm: any GGUF model, in process. This header is the backend's
// options and factory; the model itself is lm::LlamaModel in src/lm/llama_model.{h,cpp}
// (load_llama is there too), with its parts in src/lm/llama_*.cpp.
#include <cstdint>
#include <memory>
#include <string>

#include "mop/lm.h"

namespace mop::lm {

// The model used when the user names none: a small instruction-tuned model from the hub.
inline constexpr const char* kDefaultModel =
    "hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf";

inline constexpr int kAutoCtx = -1;
// The context cells an automatic cache starts with (small work never rebuilds it).
inline constexpr int kAutoCtxStart = 4096;

struct LlamaOptions {
  std::string model = kDefaultModel;  // a GGUF path, or hf:OWNER/REPO/FILE.gguf
  std::string chat_template;  // "" = the model's own; a llama.cpp template name (e.g. "llama3");
                              // "plain"; or a path to a Jinja template file
  std::string cache_dir;      // where hub downloads go ("" = default cache, see model_source.h)
  // KV cells for all sequences in flight (generation's streams come out of the same cells): kAutoCtx (mop sizes the cache to each call's work,
  // within kv_memory; see src/lm/kv_cache_size.h), 0 (the model's training length) or a count.
  int n_ctx = kAutoCtx;
  int64_t kv_memory = 0;      // bytes the KV cache may take when n_ctx is kAutoCtx; 0 = default_kv_memory
  int n_batch = 512;          // tokens per decode call
  int n_parallel = 32;        // sequences in flight at once (max 255)
  int n_threads = 0;          // 0 = all cores
  int n_gpu_layers = -1;      // layers offloaded to a GPU when built with CUDA (-1 = all)
  // true: a sequence's scores and samples do not depend on what else is in its batch (ggml's
  // reference CPU kernels, no weight repacking); false: ggml's fastest kernels, whose rounding
  // depends on the batch. docs/numerics.md.
  bool invariant_kernels = true;
  // The KV layout of generation and scoring. true: a stream of its own for each sequence, so a
  // token's cost depends on its own sequence only: a context of (sequences + 1) streams (scoring:
  // one more, for the shared prompt, copied stream to stream), each of the work's longest sequence,
  // within n_ctx or the kv_memory limit, in place of the shared one; where that budget holds fewer
  // sequences at once than the shared cache would, the shared cache runs. false: one cache shared
  // by all sequences in flight (every query passes every cell in flight; prompts shared by copying
  // cells). The texts and scores are the same.
  bool kv_streams = true;
  bool verbose = false;       // pass llama.cpp's own log through
};

// "--ctx" values: "auto", "0" or a positive count (throws mop::Error naming `what` otherwise).
int parse_ctx(const std::string& text, const std::string& what = "--ctx");
// "--kv-memory" values: bytes, with an optional K, M, G or T suffix (powers of 1024, "GiB" and
// "GB" read the same), or "auto" (0).
int64_t parse_memory_size(const std::string& text, const std::string& what = "--kv-memory");

// The CPU backend this binary carries, for `mop --version`: ggml's version and commit and the
// instruction sets it was compiled for, e.g. "ggml 0.25.1 (de3ff81), CPU: SSE3 ... AVX2 ... llamafile".
std::string cpu_backend_description();

// Loads the model; throws mop::Error with one clear line on a missing, non-GGUF or truncated file.
std::unique_ptr<LanguageModel> load_llama(const LlamaOptions& options);

}  // namespace mop::lm
