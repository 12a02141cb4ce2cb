#pragma once
// Writes random-weight BERT-architecture GGUF models (the shape of MiniLM / bge embedding models)
// with the real WordPiece tokenizer of llama.cpp's models/ggml-vocab-bert-bge.gguf, so the GGUF
// sentence encoder can be tested and benchmarked without downloading a model.
#include <cstdint>
#include <string>

namespace mop::test {

struct TinyBertShape {
  int n_embd = 32;
  int n_layer = 2;
  int n_head = 4;
  int n_ff = 64;
  int n_ctx_train = 64;  // position embeddings: the longest text the model runs on
  int pooling = -1;      // bert.pooling_type to declare (1 mean, 2 cls, ...); -1: declare none
  uint64_t seed = 1;
  float scale = 0.02f;   // weights and biases ~ U(-scale, scale) * sqrt(3); norms are 1 and 0
};

// MiniLM-L6 (all-MiniLM-L6-v2): 6 layers, 384 wide, 12 heads, feed-forward 1536, 512 positions.
inline TinyBertShape minilm_l6_shape() { return {384, 6, 12, 1536, 512, -1, 1, 0.02f}; }

// vocab_gguf: a BERT ggml-vocab-*.gguf (default: bert-bge). Throws std::runtime_error on failure.
void write_tiny_bert(const std::string& out_path, const TinyBertShape& shape, const std::string& vocab_gguf = "");

}  // namespace mop::test
