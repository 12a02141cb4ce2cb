// Scoring over HTTP, through servers that return prompt-token log-probabilities (vLLM).
//
// vLLM's /v1/completions takes "prompt_logprobs": k and answers, per choice, a list with one entry
// per prompt token: null for the first, then {"<token id>": {"logprob": l, "rank": r,
// "decoded_token": s}, ...} holding the k likeliest tokens and the prompt's own token
// (vllm/logprobs.py: PromptLogprobs = list[dict[int, Logprob] | None]; CompletionResponseChoice
// in vllm/entrypoints/openai/protocol.py). The values are raw, temperature-1 log-probabilities
// (vLLM V1's default logprobs_mode "raw_logprobs"), so tau is applied here (lm/topk_tempered.h).
// Prompt and continuation are tokenized apart with POST /tokenize, as the llama.cpp backend does,
// and sent as token ids, so both backends score the same tokens.
#include <map>
#include <mutex>

#include "lm/http_model.h"
#include "lm/topk_tempered.h"
#include "mop/error.h"

namespace mop::lm {
namespace {

std::vector<int> parse_tokens(const nlohmann::json& j) {
  if (!j.contains("tokens") || !j["tokens"].is_array()) throw Error("/tokenize answer has no \"tokens\" list");
  std::vector<int> t;
  for (const auto& v : j["tokens"]) {
    if (!v.is_number_integer()) throw Error("/tokenize answer: a token is not an integer");
    t.push_back(v.get<int>());
  }
  return t;
}

}  // namespace

void HttpModel::check_scoring(size_t e) {
  const std::string need =
      "; scoring (mop fit, mop lm score) needs prompt-token log-probabilities (vLLM's prompt_logprobs) and "
      "POST /tokenize. vLLM serves both; llama-server and Ollama do not (llama-server refuses echo)";
  const nlohmann::json probe = {{"model", model_}, {"prompt", "Once upon a time"}, {"max_tokens", 1},
                                {"temperature", 1.0}, {"prompt_logprobs", 1}};
  const http::Response r = pool_->send_once(e, "/v1/completions", &probe);
  if (r.status != 200)
    throw Error("endpoint " + pool_->url(e) + " cannot score: " +
                http::describe_failure(pool_->url(e), "POST", "/v1/completions with prompt_logprobs", r) + need);
  const auto j = nlohmann::json::parse(r.body, nullptr, false);
  const bool has = !j.is_discarded() && j.contains("choices") && j["choices"].is_array() && !j["choices"].empty() &&
                   j["choices"][0].contains("prompt_logprobs") && j["choices"][0]["prompt_logprobs"].is_array();
  if (!has)
    throw Error("endpoint " + pool_->url(e) +
                " cannot score: its /v1/completions answer has no prompt_logprobs (missing capability: "
                "prompt-token log-probabilities)" + need);
  const nlohmann::json tok = {{"model", model_}, {"prompt", "Once"}, {"add_special_tokens", false}};
  const http::Response t = pool_->send_once(e, "/tokenize", &tok);
  const auto tj = nlohmann::json::parse(t.body, nullptr, false);
  if (t.status != 200 || tj.is_discarded() || !tj.contains("tokens"))
    throw Error("endpoint " + pool_->url(e) + " cannot score: " + http::describe_failure(pool_->url(e), "POST", "/tokenize", t) +
                " (missing capability: vLLM-style /tokenize)" + need);
}

std::vector<Score> HttpModel::score(const std::vector<ScoreRequest>& requests, const Progress& progress) {
  if (chat_) throw Error("scoring needs --api completions (prompts rendered by mop, scored token by token)");
  // 1. Tokens of every distinct prompt (with the model's special tokens) and continuation (without).
  std::vector<std::pair<std::string, bool>> texts;  // (text, is prompt)
  std::map<std::pair<std::string, bool>, size_t> index;
  for (const auto& r : requests) {
    if (!(r.tau > 0)) throw Error("tau must be positive");
    for (auto key : {std::make_pair(r.prompt, true), std::make_pair(r.continuation, false)})
      if (index.emplace(key, texts.size()).second) texts.push_back(key);
  }
  std::vector<std::vector<int>> tokens(texts.size());
  pool_->run(
      texts.size(),
      [&](size_t i) {
        return http::Call{"/tokenize",
                          {{"model", model_}, {"prompt", texts[i].first}, {"add_special_tokens", texts[i].second}}};
      },
      [&](size_t i, const nlohmann::json& j) { tokens[i] = parse_tokens(j); });

  // 2. One request per pair: prompt + continuation as token ids, log-probabilities of every position.
  std::vector<Score> out(requests.size());
  std::vector<size_t> todo;
  for (size_t i = 0; i < requests.size(); ++i)
    if (!tokens[index.at({requests[i].continuation, false})].empty()) todo.push_back(i);
  const int k = options_.score_top_k;
  pool_->run(
      todo.size(),
      [&](size_t t) {
        const auto& r = requests[todo[t]];
        std::vector<int> ids = tokens[index.at({r.prompt, true})];
        const auto& cont = tokens[index.at({r.continuation, false})];
        ids.insert(ids.end(), cont.begin(), cont.end());
        return http::Call{"/v1/completions",
                          {{"model", model_}, {"prompt", ids}, {"max_tokens", 1}, {"temperature", 1.0},
                           {"prompt_logprobs", k}}};
      },
      [&](size_t t, const nlohmann::json& j) {
        const auto& r = requests[todo[t]];
        const auto& prompt = tokens[index.at({r.prompt, true})];
        const auto& cont = tokens[index.at({r.continuation, false})];
        if (prompt.empty()) throw Error("the prompt has no tokens: the first continuation token has no context");
        if (!j.contains("choices") || !j["choices"].is_array() || j["choices"].empty() ||
            !j["choices"][0].contains("prompt_logprobs") || !j["choices"][0]["prompt_logprobs"].is_array())
          throw Error("answer has no prompt_logprobs");
        const auto& lp = j["choices"][0]["prompt_logprobs"];
        if (lp.size() != prompt.size() + cont.size())
          throw Error("prompt_logprobs has " + std::to_string(lp.size()) + " positions for " +
                      std::to_string(prompt.size() + cont.size()) + " prompt tokens");
        Score s;
        for (size_t c = 0; c < cont.size(); ++c) {
          const auto& pos = lp[prompt.size() + c];
          if (!pos.is_object()) throw Error("prompt_logprobs entry " + std::to_string(prompt.size() + c) + " is not an object");
          std::vector<std::pair<int, double>> entries;
          for (const auto& [key, v] : pos.items()) {
            const double l = v.is_object() ? v.at("logprob").get<double>() : v.get<double>();
            entries.emplace_back(std::stoi(key), l);
          }
          const auto tl = tempered_from_topk(entries, cont[c], k, r.tau);
          s.logprob += tl.logprob;
          s.dlogprob_dtau += tl.dlogprob_dtau;
        }
        s.n_tokens = static_cast<int>(cont.size());
        out[todo[t]] = s;
      },
      [&](size_t d, size_t) {
        if (progress) progress(d + (requests.size() - todo.size()), requests.size());
      });
  return out;
}

}  // namespace mop::lm
