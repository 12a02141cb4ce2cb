#pragma once
// The HTTP backend of mop::lm: OpenAI-compatible serving engines (vLLM, SGLang, llama.cpp's
// llama-server, Ollama), one or several replicas. See docs/serving.md. This header is the
// backend's options and factory; the model itself is lm::HttpModel in src/lm/http_model.{h,cpp}
// (open_http is there too), with its parts in src/lm/http_*.cpp.
#include <memory>
#include <string>
#include <vector>

#include "mop/lm.h"

namespace mop::lm {

// How requests reach the servers. Every replica must serve the same model.
struct HttpOptions {
  std::vector<std::string> endpoints;  // base URLs, e.g. http://127.0.0.1:8000 (a trailing /v1 is fine)
  std::string api = "completions";     // "completions": /v1/completions with prompts rendered here;
                                       // "chat": /v1/chat/completions, the server's chat template
  std::string model;                   // model name sent with each request ("" = the first of GET /v1/models)
  std::string chat_template;           // completions mode: how render() formats conversations
                                       // ("" = "plain"; a llama.cpp template name; a Jinja file)
  std::string api_key_env = "MOP_API_KEY";  // environment variable holding the key (sent as a
                                            // Bearer token); the key itself is never a flag
  int max_in_flight = 8;       // requests in flight per endpoint
  double timeout_s = 300;      // per request (connect + read)
  int retries = 6;             // further attempts per request after the first
  double backoff_s = 0.5;      // first retry delay; doubles per attempt, +/-50% jitter, capped at 30 s
  int fail_threshold = 3;      // consecutive failures after which an endpoint is set aside...
  double cooldown_s = 5;       // ...for this long (doubling while it keeps failing, at most 60 s)
  int score_top_k = 20;        // prompt_logprobs requested per position when scoring (see docs)
};

// What a command will ask of the model: checked against every endpoint when the model opens,
// so a missing capability is one clear error at start-up, not a failure mid-run.
struct ModelNeeds {
  bool score = false;  // prompt-token log-probabilities (mop fit, mop lm score)
};

// Connects to the endpoints (GET /v1/models on each), checks `needs`; throws mop::Error naming
// the endpoint, the HTTP status and an excerpt of the body on failure.
std::unique_ptr<LanguageModel> open_http(const HttpOptions& options, const ModelNeeds& needs = {});

}  // namespace mop::lm
