#include "support/tiny_gguf.h"

#include <cmath>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <vector>

#include "ggml.h"
#include "gguf.h"

#ifndef MOP_LLAMA_DIR
#error "MOP_LLAMA_DIR must point at the llama.cpp source"
#endif

namespace mop::test {

std::string llama_vocab_file(const std::string& name) { return std::string(MOP_LLAMA_DIR) + "/models/ggml-vocab-" + name + ".gguf"; }

namespace {

struct TensorSpec {
  std::string name;
  int64_t ne0, ne1;  // ne1 == 1 for vectors
  bool ones;         // norms start at 1
};

std::vector<TensorSpec> llama_tensors(const TinyLlamaShape& s, int64_t n_vocab) {
  const int64_t head_dim = s.n_embd / s.n_head;
  const int64_t kv = head_dim * s.n_head_kv;
  std::vector<TensorSpec> t = {{"token_embd.weight", s.n_embd, n_vocab, false}, {"output_norm.weight", s.n_embd, 1, true}};
  for (int l = 0; l < s.n_layer; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    t.push_back({b + "attn_norm.weight", s.n_embd, 1, true});
    t.push_back({b + "attn_q.weight", s.n_embd, s.n_embd, false});
    t.push_back({b + "attn_k.weight", s.n_embd, kv, false});
    t.push_back({b + "attn_v.weight", s.n_embd, kv, false});
    t.push_back({b + "attn_output.weight", s.n_embd, s.n_embd, false});
    t.push_back({b + "ffn_norm.weight", s.n_embd, 1, true});
    t.push_back({b + "ffn_gate.weight", s.n_embd, s.n_ff, false});
    t.push_back({b + "ffn_up.weight", s.n_embd, s.n_ff, false});
    t.push_back({b + "ffn_down.weight", s.n_ff, s.n_embd, false});
  }
  return t;
}

int64_t vocab_size(const gguf_context* vocab) {
  const int64_t key = gguf_find_key(vocab, "tokenizer.ggml.tokens");
  if (key < 0) throw std::runtime_error("vocab file has no tokenizer.ggml.tokens");
  return static_cast<int64_t>(gguf_get_arr_n(vocab, key));
}

}  // namespace

int64_t tiny_llama_params(const TinyLlamaShape& shape, int64_t n_vocab) {
  int64_t n = 0;
  for (const auto& t : llama_tensors(shape, n_vocab)) n += t.ne0 * t.ne1;
  return n;
}

void write_tiny_llama(const std::string& out_path, const std::string& vocab_gguf, const TinyLlamaShape& s,
                      const std::string& chat_template) {
  gguf_init_params vp{/*no_alloc=*/true, /*ctx=*/nullptr};
  gguf_context* vocab = gguf_init_from_file(vocab_gguf.c_str(), vp);
  if (!vocab) throw std::runtime_error("cannot read vocab file " + vocab_gguf);
  const int64_t n_vocab = vocab_size(vocab);

  gguf_context* g = gguf_init_empty();
  gguf_set_kv(g, vocab);  // tokenizer.* (and the chat template, if the vocab file has one)
  gguf_free(vocab);
  for (const char* key : {"general.architecture", "general.name"}) gguf_remove_key(g, key);
  // Architecture keys the vocab file may carry for its own model family.
  for (int64_t i = gguf_get_n_kv(g) - 1; i >= 0; --i) {
    const std::string k = gguf_get_key(g, i);
    if (k.rfind("tokenizer.", 0) != 0 && k.rfind("general.", 0) != 0) gguf_remove_key(g, k.c_str());
  }
  if (chat_template == "-") gguf_remove_key(g, "tokenizer.chat_template");
  else if (!chat_template.empty()) gguf_set_val_str(g, "tokenizer.chat_template", chat_template.c_str());
  gguf_set_val_str(g, "general.architecture", "llama");
  gguf_set_val_str(g, "general.name", "mop-tiny-random");
  gguf_set_val_u32(g, "llama.context_length", s.n_ctx_train);
  gguf_set_val_u32(g, "llama.embedding_length", s.n_embd);
  gguf_set_val_u32(g, "llama.block_count", s.n_layer);
  gguf_set_val_u32(g, "llama.feed_forward_length", s.n_ff);
  gguf_set_val_u32(g, "llama.attention.head_count", s.n_head);
  gguf_set_val_u32(g, "llama.attention.head_count_kv", s.n_head_kv);
  gguf_set_val_u32(g, "llama.rope.dimension_count", s.n_embd / s.n_head);
  gguf_set_val_f32(g, "llama.attention.layer_norm_rms_epsilon", 1e-5f);
  gguf_set_val_u32(g, "llama.vocab_size", static_cast<uint32_t>(n_vocab));
  gguf_set_val_u32(g, "general.file_type", s.f16 ? 1 : 0);

  const auto specs = llama_tensors(s, n_vocab);
  ggml_init_params ip{ggml_tensor_overhead() * (specs.size() + 8), nullptr, /*no_alloc=*/true};
  ggml_context* meta = ggml_init(ip);
  for (const auto& t : specs) {
    const ggml_type type = (t.ne1 > 1 && s.f16) ? GGML_TYPE_F16 : GGML_TYPE_F32;
    ggml_tensor* tensor = t.ne1 == 1 ? ggml_new_tensor_1d(meta, type, t.ne0) : ggml_new_tensor_2d(meta, type, t.ne0, t.ne1);
    ggml_set_name(tensor, t.name.c_str());
    gguf_add_tensor(g, tensor);
  }
  if (!gguf_write_to_file(g, out_path.c_str(), /*only_meta=*/true)) throw std::runtime_error("cannot write " + out_path);

  // Append the data section: tensors in order, each padded to the file's alignment.
  FILE* f = std::fopen(out_path.c_str(), "ab");
  if (!f) throw std::runtime_error("cannot append to " + out_path);
  const size_t align = gguf_get_alignment(g);
  std::mt19937_64 rng(s.seed);
  const float amp = s.scale * std::sqrt(3.0f);
  std::vector<char> buf;
  size_t written = 0;
  for (const auto& t : specs) {
    const bool half = t.ne1 > 1 && s.f16;
    const size_t n = static_cast<size_t>(t.ne0 * t.ne1);
    buf.assign(n * (half ? 2 : 4), 0);
    for (size_t i = 0; i < n; ++i) {
      // Uniform in (-amp, amp) from the top bits of one 64-bit draw: fast enough for 360M weights.
      const float v = t.ones ? 1.0f : amp * (static_cast<float>(rng() >> 40) / static_cast<float>(1 << 24) * 2.f - 1.f);
      if (half) reinterpret_cast<ggml_fp16_t*>(buf.data())[i] = ggml_fp32_to_fp16(v);
      else reinterpret_cast<float*>(buf.data())[i] = v;
    }
    std::fwrite(buf.data(), 1, buf.size(), f);
    written += buf.size();
    const size_t pad = (align - written % align) % align;
    static const char zeros[64] = {};
    std::fwrite(zeros, 1, pad, f);
    written += pad;
  }
  const bool ok = std::fclose(f) == 0;
  ggml_free(meta);
  gguf_free(g);
  if (!ok) throw std::runtime_error("cannot write " + out_path);
}

}  // namespace mop::test
