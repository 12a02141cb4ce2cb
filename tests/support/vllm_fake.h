#pragma once
// A loopback HTTP server answering in vLLM's OpenAI-compatible format, computed by a real model
// (llama.cpp on a GGUF, in process), so the HTTP backend's vLLM scoring path can be tested here
// without vLLM. Serves:
//   GET  /v1/models       {"object": "list", "data": [{"id": NAME, "object": "model"}]}
//   POST /tokenize        {"prompt", "add_special_tokens"} -> {"tokens", "count", "max_model_len"}
//                         (vllm/entrypoints/openai/protocol.py: TokenizeCompletionRequest/TokenizeResponse)
//   POST /v1/completions  prompt as text or token ids, "prompt_logprobs": k -> choices[0].prompt_logprobs:
//                         [null, {"<id>": {"logprob", "rank", "decoded_token"}, ...}, ...], the k
//                         likeliest tokens at each position plus the prompt's own token, raw
//                         (temperature 1) values as vLLM V1 returns them (vllm/logprobs.py:
//                         PromptLogprobs = list[dict[int, Logprob] | None]); the completion itself
//                         is one greedy token.
//                         "echo": true with "logprobs": k -> OpenAI's legacy form: choices[0].logprobs
//                         {"tokens", "token_logprobs", "top_logprobs", "text_offset"} over the prompt
//                         and the generated token (vLLM and SGLang answer it too).
// prompt_logprobs = false makes it refuse "prompt_logprobs" (400), a server with echo only.
#include <memory>
#include <string>

namespace mop::test {

class VllmFake {
 public:
  VllmFake(const std::string& gguf, const std::string& name, bool prompt_logprobs = true);
  ~VllmFake();
  std::string url() const;
  int requests() const;  // POST /v1/completions answered

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace mop::test
