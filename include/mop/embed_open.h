#pragma once
// Opens a sentence encoder by the name a user gives on the command line (--encoder):
//   glove-sif            GloVe 6B 100-d + SIF (default; vectors fetched by scripts/setup.sh)
//   PATH.gguf | hf:...   a llama.cpp embedding model (BERT family), its own pooling (else mean),
//                        L2-normalised; texts longer than its context are truncated to it
//   http://HOST:PORT[,http://HOST2:PORT2...]
//                        OpenAI-compatible /v1/embeddings servers (replicas of one model; API key
//                        from $MOP_API_KEY), L2-normalised here; see docs/serving.md
// Encoders that are slow to run are wrapped in the on-disk embedding cache (CachedEncoder).
#include <filesystem>
#include <memory>
#include <string>

#include "mop/embed.h"

namespace mop::embed {

struct EncoderOptions {
  std::filesystem::path cache_dir;  // "" = default_cache_dir()
  bool use_cache = true;            // wrap model-based encoders in the embedding cache
  int n_threads = 0;                // 0 = all cores (model-based encoders)
  int batch_size = 64;              // texts per model call (model-based encoders)
  bool verbose = false;
};

std::shared_ptr<Encoder> open_encoder(const std::string& name, const EncoderOptions& options = {});

}  // namespace mop::embed
