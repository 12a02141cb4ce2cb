// Generation over HTTP: /v1/completions (raw prompt) and /v1/chat/completions (server template).
#include <algorithm>

#include "lm/http_answers.h"
#include "lm/http_model.h"
#include "mop/error.h"

namespace mop::lm {
namespace {

// Sampling fields shared by both APIs. Every server named in docs/serving.md takes these; seed
// and ignore_eos are extensions that vLLM, SGLang and llama-server honour.
void add_sampling(nlohmann::json& body, const SamplingParams& s) {
  body["max_tokens"] = s.max_tokens;
  body["temperature"] = s.temperature > 0 ? s.temperature : 0.0;
  body["top_p"] = s.top_p;
  // JSON numbers above 2^53 lose bits in some servers' parsers; 31 bits are enough for a stream.
  body["seed"] = static_cast<int64_t>(s.seed & 0x7fffffffULL);
  if (!s.stop.empty()) body["stop"] = s.stop;
  if (s.ignore_eos) body["ignore_eos"] = true;
  body["stream"] = false;
}

}  // namespace

http::Call HttpModel::completion_call(const GenerateRequest& r) const {
  nlohmann::json body = {{"model", model_}, {"prompt", r.prompt}};
  add_sampling(body, r.sampling);
  return {"/v1/completions", std::move(body)};
}

http::Call HttpModel::chat_call(const GenerateRequest& r) const {
  nlohmann::json messages = nlohmann::json::array();
  for (const auto& m : r.messages) messages.push_back({{"role", m.role}, {"content", m.content}});
  if (r.messages.empty()) messages.push_back({{"role", "user"}, {"content", r.prompt}});
  nlohmann::json body = {{"model", model_}, {"messages", std::move(messages)}};
  add_sampling(body, r.sampling);
  return {"/v1/chat/completions", std::move(body)};
}

std::vector<Generation> HttpModel::generate(const std::vector<GenerateRequest>& requests, const Progress& progress) {
  std::vector<Generation> out(requests.size());
  pool_->run(
      requests.size(), [&](size_t i) { return chat_ ? chat_call(requests[i]) : completion_call(requests[i]); },
      [&](size_t i, const nlohmann::json& j) { out[i] = http_answers::generation(j, chat_); }, progress);
  return out;
}

}  // namespace mop::lm
