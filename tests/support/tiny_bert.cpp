#include "support/tiny_bert.h"

#include <cmath>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <vector>

#include "ggml.h"
#include "gguf.h"
#include "support/tiny_gguf.h"

namespace mop::test {
namespace {

enum class Init { Random, Ones, Zeros };

struct TensorSpec {
  std::string name;
  int64_t ne0, ne1;  // ne1 == 1 for vectors
  Init init;
};

// The tensors llama.cpp's BERT loader (src/models/bert.cpp) reads, with separate q/k/v.
std::vector<TensorSpec> bert_tensors(const TinyBertShape& s, int64_t n_vocab, int64_t n_token_types) {
  std::vector<TensorSpec> t = {
      {"token_embd.weight", s.n_embd, n_vocab, Init::Random},
      {"token_types.weight", s.n_embd, n_token_types, Init::Random},
      {"position_embd.weight", s.n_embd, s.n_ctx_train, Init::Random},
      {"token_embd_norm.weight", s.n_embd, 1, Init::Ones},
      {"token_embd_norm.bias", s.n_embd, 1, Init::Zeros},
  };
  for (int l = 0; l < s.n_layer; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    for (const char* m : {"attn_q", "attn_k", "attn_v", "attn_output"}) {
      t.push_back({b + m + ".weight", s.n_embd, s.n_embd, Init::Random});
      t.push_back({b + m + ".bias", s.n_embd, 1, Init::Random});
    }
    t.push_back({b + "attn_output_norm.weight", s.n_embd, 1, Init::Ones});
    t.push_back({b + "attn_output_norm.bias", s.n_embd, 1, Init::Zeros});
    t.push_back({b + "ffn_up.weight", s.n_embd, s.n_ff, Init::Random});
    t.push_back({b + "ffn_up.bias", s.n_ff, 1, Init::Random});
    t.push_back({b + "ffn_down.weight", s.n_ff, s.n_embd, Init::Random});
    t.push_back({b + "ffn_down.bias", s.n_embd, 1, Init::Random});
    t.push_back({b + "layer_output_norm.weight", s.n_embd, 1, Init::Ones});
    t.push_back({b + "layer_output_norm.bias", s.n_embd, 1, Init::Zeros});
  }
  return t;
}

// Tensors in order, each padded to the file's alignment, after a header written with only_meta.
void append_data(const std::string& path, const std::vector<TensorSpec>& specs, size_t align, const TinyBertShape& s) {
  FILE* f = std::fopen(path.c_str(), "ab");
  if (!f) throw std::runtime_error("cannot append to " + path);
  std::mt19937_64 rng(s.seed);
  const float amp = s.scale * std::sqrt(3.0f);
  std::vector<float> buf;
  size_t written = 0;
  for (const auto& t : specs) {
    buf.resize(static_cast<size_t>(t.ne0 * t.ne1));
    for (float& v : buf) {
      // Uniform in (-amp, amp) from the top bits of one 64-bit draw.
      v = t.init == Init::Ones    ? 1.0f
          : t.init == Init::Zeros ? 0.0f
                                  : amp * (static_cast<float>(rng() >> 40) / static_cast<float>(1 << 24) * 2.f - 1.f);
    }
    std::fwrite(buf.data(), sizeof(float), buf.size(), f);
    written += buf.size() * sizeof(float);
    static const char zeros[64] = {};
    const size_t pad = (align - written % align) % align;
    std::fwrite(zeros, 1, pad, f);
    written += pad;
  }
  if (std::fclose(f) != 0) throw std::runtime_error("cannot write " + path);
}

}  // namespace

void write_tiny_bert(const std::string& out_path, const TinyBertShape& s, const std::string& vocab_gguf) {
  const std::string vocab_path = vocab_gguf.empty() ? llama_vocab_file("bert-bge") : vocab_gguf;
  gguf_init_params vp{/*no_alloc=*/true, /*ctx=*/nullptr};
  gguf_context* vocab = gguf_init_from_file(vocab_path.c_str(), vp);
  if (!vocab) throw std::runtime_error("cannot read vocab file " + vocab_path);
  const int64_t tokens_key = gguf_find_key(vocab, "tokenizer.ggml.tokens");
  if (tokens_key < 0) {
    gguf_free(vocab);
    throw std::runtime_error("vocab file has no tokenizer.ggml.tokens: " + vocab_path);
  }
  const auto n_vocab = static_cast<int64_t>(gguf_get_arr_n(vocab, tokens_key));

  gguf_context* g = gguf_init_empty();
  gguf_set_kv(g, vocab);  // tokenizer.* and the vocab model's own bert.* keys, replaced below
  gguf_free(vocab);
  for (int64_t i = gguf_get_n_kv(g) - 1; i >= 0; --i) {
    const std::string k = gguf_get_key(g, i);
    if (k.rfind("tokenizer.", 0) != 0) gguf_remove_key(g, k.c_str());
  }
  // BERT needs a token type count (segment embeddings); bge's tokenizer says 2.
  int64_t n_token_types = 2;
  if (const int64_t k = gguf_find_key(g, "tokenizer.ggml.token_type_count"); k >= 0 && gguf_get_kv_type(g, k) == GGUF_TYPE_UINT32)
    n_token_types = gguf_get_val_u32(g, k);
  else gguf_set_val_u32(g, "tokenizer.ggml.token_type_count", 2);

  gguf_set_val_str(g, "general.architecture", "bert");
  gguf_set_val_str(g, "general.name", "mop-tiny-random-bert");
  gguf_set_val_u32(g, "general.file_type", 0);  // all F32
  gguf_set_val_u32(g, "bert.context_length", s.n_ctx_train);
  gguf_set_val_u32(g, "bert.embedding_length", s.n_embd);
  gguf_set_val_u32(g, "bert.block_count", s.n_layer);
  gguf_set_val_u32(g, "bert.feed_forward_length", s.n_ff);
  gguf_set_val_u32(g, "bert.attention.head_count", s.n_head);
  gguf_set_val_f32(g, "bert.attention.layer_norm_epsilon", 1e-12f);
  gguf_set_val_bool(g, "bert.attention.causal", false);
  if (s.pooling >= 0) gguf_set_val_u32(g, "bert.pooling_type", static_cast<uint32_t>(s.pooling));

  const auto specs = bert_tensors(s, n_vocab, n_token_types);
  ggml_init_params ip{ggml_tensor_overhead() * (specs.size() + 8), nullptr, /*no_alloc=*/true};
  ggml_context* meta = ggml_init(ip);
  for (const auto& t : specs) {
    ggml_tensor* tensor = t.ne1 == 1 ? ggml_new_tensor_1d(meta, GGML_TYPE_F32, t.ne0) : ggml_new_tensor_2d(meta, GGML_TYPE_F32, t.ne0, t.ne1);
    ggml_set_name(tensor, t.name.c_str());
    gguf_add_tensor(g, tensor);
  }
  const bool ok = gguf_write_to_file(g, out_path.c_str(), /*only_meta=*/true);
  const size_t align = gguf_get_alignment(g);
  ggml_free(meta);
  gguf_free(g);
  if (!ok) throw std::runtime_error("cannot write " + out_path);
  append_data(out_path, specs, align, s);
}

}  // namespace mop::test
