#pragma once
// mop::lm over OpenAI-compatible HTTP servers (see include/mop/lm_http.h, docs/serving.md).
#include <memory>
#include <string>
#include <vector>

#include "lm/chat_format.h"
#include "lm/http_pool.h"
#include "mop/lm_http.h"

namespace mop::lm {

class HttpModel final : public LanguageModel {
 public:
  HttpModel(const HttpOptions& options, const ModelNeeds& needs);

  // "http:<served model name>": the same for every replica and every run against it, so a rerun
  // with other (or fewer) endpoints continues the same resumable job. Never holds the key.
  std::string id() const override { return "http:" + model_; }
  // completions: the client-side template (--chat-template, default plain), the text sent.
  // chat: the server applies its own template to the messages generate() sends
  // (GenerateRequest::messages); this plain rendering stands for them in plans and token counts.
  std::string render(const std::vector<ChatMessage>& messages) const override;
  using LanguageModel::render;
  std::vector<Score> score(const std::vector<ScoreRequest>& requests, const Progress& progress) override;
  std::vector<Generation> generate(const std::vector<GenerateRequest>& requests, const Progress& progress) override;
  // POST /tokenize (vLLM, SGLang); a clear error naming the capability where the server lacks it.
  std::vector<size_t> count_tokens(const std::vector<std::string>& texts) override;

  const std::string& model_name() const { return model_; }
  http::EndpointPool& pool() { return *pool_; }

 private:
  http::Call completion_call(const GenerateRequest& r) const;
  http::Call chat_call(const GenerateRequest& r) const;
  void check_scoring(size_t e);  // throws mop::Error naming the missing capability

  // How prompt-token log-probabilities are asked for, found by check_scoring on the first endpoint.
  enum class ScoreApi { unknown, prompt_logprobs, echo };
  ScoreApi score_api_ = ScoreApi::unknown;

  HttpOptions options_;
  std::unique_ptr<http::EndpointPool> pool_;
  std::unique_ptr<ChatFormat> format_;  // completions mode
  std::string model_;
  bool chat_ = false;
};

}  // namespace mop::lm
