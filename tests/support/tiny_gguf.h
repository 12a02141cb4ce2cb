#pragma once
// Writes random-weight Llama-architecture GGUF models with a real tokenizer copied from one of
// llama.cpp's models/ggml-vocab-*.gguf files (with its chat template, if it has one).
// Weights are streamed to disk, so models of realistic size (hundreds of millions of parameters)
// can be written without holding them in memory.
#include <cstdint>
#include <string>

namespace mop::test {

struct TinyLlamaShape {
  int n_embd = 64;
  int n_layer = 2;
  int n_head = 4;
  int n_head_kv = 4;
  int n_ff = 128;
  int n_ctx_train = 2048;
  bool f16 = false;  // F16 weights (half the file) instead of F32
  uint64_t seed = 1;
  float scale = 0.02f;  // weights ~ U(-scale, scale) * sqrt(3)
};

// vocab_gguf: path to a ggml-vocab-*.gguf; chat_template: "" keeps the vocab file's own template
// (if any), "-" removes it, anything else replaces it.
void write_tiny_llama(const std::string& out_path, const std::string& vocab_gguf, const TinyLlamaShape& shape,
                      const std::string& chat_template = "");

// Number of parameters the shape has for a vocabulary of n_vocab tokens (tied output).
int64_t tiny_llama_params(const TinyLlamaShape& shape, int64_t n_vocab);

// Path of a llama.cpp vocabulary file by short name ("qwen2", "phi-3", "llama-spm", ...).
std::string llama_vocab_file(const std::string& name);

}  // namespace mop::test
