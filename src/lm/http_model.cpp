// The HTTP backend: connecting, model discovery, start-up capability checks, rendering.
#include "lm/http_model.h"

#include <cstdio>

#include "mop/error.h"

namespace mop::lm {
namespace {

// The served model's name from GET /v1/models (vLLM, llama-server, Ollama and SGLang all list it).
std::string listed_model(const nlohmann::json& j, const std::string& endpoint) {
  if (j.contains("data") && j["data"].is_array() && !j["data"].empty() && j["data"][0].contains("id") &&
      j["data"][0]["id"].is_string())
    return j["data"][0]["id"].get<std::string>();
  throw Error("endpoint " + endpoint + ": GET /v1/models lists no model (give --served-model NAME)");
}

}  // namespace

HttpModel::HttpModel(const HttpOptions& options, const ModelNeeds& needs)
    : options_(options), pool_(std::make_unique<http::EndpointPool>(options)), model_(options.model) {
  if (options.api == "chat") chat_ = true;
  else if (options.api != "completions") throw Error("--api must be 'completions' or 'chat', not '" + options.api + "'");
  if (options.score_top_k < 1) throw Error("--score-top-k must be at least 1");
  if (!chat_) format_ = std::make_unique<ChatFormat>(nullptr, options.chat_template.empty() ? "plain" : options.chat_template);
  else if (!options.chat_template.empty()) throw Error("--chat-template is for --api completions; with --api chat the server's template is used");

  // Every endpoint is asked at start-up. Unreachable ones are set aside (the run goes on with the
  // others and tries them again later); one that answers wrongly is an error now.
  size_t reachable = 0;
  std::string last_failure;
  for (size_t e = 0; e < pool_->size(); ++e) {
    const http::Response r = pool_->send_once(e, "/v1/models", nullptr);
    if (r.status == 0 || r.status >= 500) {
      last_failure = http::describe_failure(pool_->url(e), "GET", "/v1/models", r);
      pool_->set_aside(e, last_failure);
      continue;
    }
    if (r.status != 200) throw Error(http::describe_failure(pool_->url(e), "GET", "/v1/models", r));
    const auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded()) throw Error(http::describe_failure(pool_->url(e), "GET", "/v1/models", r) + " (not JSON)");
    const std::string name = listed_model(j, pool_->url(e));
    if (options.model.empty()) {
      if (model_.empty()) model_ = name;
      else if (name != model_)
        throw Error("endpoints serve different models: " + pool_->url(0) + " '" + model_ + "', " + pool_->url(e) +
                    " '" + name + "' (give --served-model NAME to pick one)");
    }
    if (needs.score) check_scoring(e);
    ++reachable;
  }
  if (reachable == 0) throw Error("no endpoint answers; last: " + last_failure);
}

std::string HttpModel::render(const std::vector<ChatMessage>& messages) const {
  return chat_ ? render_plain(messages) : format_->render(messages);
}

std::unique_ptr<LanguageModel> open_http(const HttpOptions& options, const ModelNeeds& needs) {
  return std::make_unique<HttpModel>(options, needs);
}

}  // namespace mop::lm
