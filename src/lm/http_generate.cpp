// Generation over HTTP: /v1/completions (raw prompt) and /v1/chat/completions (server template).
#include <algorithm>

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
  nlohmann::json messages;
  const std::string prefix = kChatPrefix;
  if (r.prompt.compare(0, prefix.size(), prefix) == 0) {
    messages = nlohmann::json::parse(r.prompt.substr(prefix.size()));
  } else {
    messages = nlohmann::json::array({{{"role", "user"}, {"content", r.prompt}}});
  }
  nlohmann::json body = {{"model", model_}, {"messages", std::move(messages)}};
  add_sampling(body, r.sampling);
  return {"/v1/chat/completions", std::move(body)};
}

Generation parse_generation(const nlohmann::json& answer, bool chat) {
  const std::string what = "answer ";
  if (!answer.contains("choices") || !answer["choices"].is_array() || answer["choices"].empty())
    throw Error(what + "has no choices: " + answer.dump().substr(0, 300));
  const auto& c = answer["choices"][0];
  Generation g;
  const nlohmann::json* text = nullptr;
  if (chat && c.contains("message") && c["message"].contains("content")) text = &c["message"]["content"];
  if (!chat && c.contains("text")) text = &c["text"];
  if (!text || !(text->is_string() || text->is_null())) throw Error(what + "has no text: " + c.dump().substr(0, 300));
  if (text->is_string()) g.text = text->get<std::string>();
  g.finish_reason = c.value("finish_reason", nlohmann::json("stop")).is_string() ? c.value("finish_reason", "stop") : "stop";
  if (g.finish_reason != "length") g.finish_reason = "stop";  // "eos", "stop_sequence", ... all end the text
  if (answer.contains("usage") && answer["usage"].contains("completion_tokens") && answer["usage"]["completion_tokens"].is_number())
    g.n_tokens = answer["usage"]["completion_tokens"].get<int>();
  return g;
}

std::vector<Generation> HttpModel::generate(const std::vector<GenerateRequest>& requests, const Progress& progress) {
  std::vector<Generation> out(requests.size());
  pool_->run(
      requests.size(), [&](size_t i) { return chat_ ? chat_call(requests[i]) : completion_call(requests[i]); },
      [&](size_t i, const nlohmann::json& j) { out[i] = parse_generation(j, chat_); }, progress);
  return out;
}

}  // namespace mop::lm
