// Scoring over HTTP, through servers that return prompt-token log-probabilities.
//
// Two request forms on /v1/completions, with the prompt given as token ids:
// - vLLM's "prompt_logprobs": k. Each choice carries "prompt_logprobs": one entry per prompt
//   token, null for the first, then {"<token id>": {"logprob": l, "rank": r, "decoded_token": s},
//   ...} holding the k likeliest tokens and the prompt's own token (vllm/logprobs.py:
//   PromptLogprobs = list[dict[int, Logprob] | None]; CompletionResponseChoice in
//   vllm/entrypoints/openai/protocol.py; see https://docs.vllm.ai/en/latest/api/vllm/v1/engine/logprobs/
//   and https://docs.vllm.ai/en/v0.14.0/api/vllm/entrypoints/openai/protocol/).
// - OpenAI's legacy "echo": true with "logprobs": k (vLLM, SGLang and others). The choice's
//   "logprobs" has "tokens", "token_logprobs" (null for the first) and "top_logprobs" (per
//   position a {token text: logprob} map of the k likeliest), covering the prompt and then the
//   generated token.
// Values are raw, temperature-1 log-probabilities (vLLM V1's default logprobs_mode
// "raw_logprobs"), so tau is applied here (lm/topk_tempered.h). Prompt and continuation are
// tokenized apart with POST /tokenize, as the llama.cpp backend does, so both backends score the
// same tokens.
#include <cmath>
#include <map>

#include "lm/http_answers.h"
#include "lm/http_model.h"
#include "lm/topk_tempered.h"
#include "mop/error.h"

namespace mop::lm {
namespace answers = http_answers;

void HttpModel::check_scoring(size_t e) {
  const std::string need =
      "; scoring (mop fit, mop lm score, mop baseline picle) needs prompt-token log-probabilities (vLLM's "
      "prompt_logprobs, or echo with logprobs) and POST /tokenize. vLLM serves them; llama-server and Ollama do not";
  const nlohmann::json base = {{"model", model_}, {"prompt", "Once upon a time"}, {"max_tokens", 1}, {"temperature", 1.0}};
  std::string why;
  if (score_api_ != ScoreApi::echo) {
    nlohmann::json probe = base;
    probe["prompt_logprobs"] = 1;
    const http::Response r = pool_->send_once(e, "/v1/completions", &probe);
    if (r.status == 200 && answers::has_prompt_logprobs(nlohmann::json::parse(r.body, nullptr, false))) {
      score_api_ = ScoreApi::prompt_logprobs;
    } else {
      why = r.status == 200 ? "its /v1/completions answer has no prompt_logprobs"
                            : http::describe_failure(pool_->url(e), "POST", "/v1/completions with prompt_logprobs", r);
      if (score_api_ == ScoreApi::prompt_logprobs)  // the other replicas have it: this one must too
        throw Error("endpoint " + pool_->url(e) + " cannot score: " + why + need);
    }
  }
  if (score_api_ != ScoreApi::prompt_logprobs) {
    nlohmann::json probe = base;
    probe["echo"] = true;
    probe["logprobs"] = 1;
    const http::Response r = pool_->send_once(e, "/v1/completions", &probe);
    if (r.status == 200 && answers::has_echo_logprobs(nlohmann::json::parse(r.body, nullptr, false))) {
      score_api_ = ScoreApi::echo;
    } else {
      const std::string echo_why = r.status == 200 ? "its echo answer has no prompt logprobs"
                                                   : http::describe_failure(pool_->url(e), "POST", "/v1/completions with echo", r);
      throw Error("endpoint " + pool_->url(e) + " cannot score (missing capability: prompt-token log-probabilities): " +
                  (why.empty() ? "" : why + "; ") + echo_why + need);
    }
  }
  const nlohmann::json tok = {{"model", model_}, {"prompt", "Once"}, {"add_special_tokens", false}};
  const http::Response t = pool_->send_once(e, "/tokenize", &tok);
  const auto tj = nlohmann::json::parse(t.body, nullptr, false);
  if (t.status != 200 || tj.is_discarded() || !tj.contains("tokens"))
    throw Error("endpoint " + pool_->url(e) + " cannot score: " + http::describe_failure(pool_->url(e), "POST", "/tokenize", t) +
                " (missing capability: vLLM-style /tokenize)" + need);
}

std::vector<size_t> HttpModel::count_tokens(const std::vector<std::string>& texts) {
  if (texts.empty()) return {};
  if (score_api_ == ScoreApi::unknown) check_scoring(0);  // names /tokenize when it is missing
  std::vector<size_t> out(texts.size());
  pool_->run(
      texts.size(),
      [&](size_t i) { return http::Call{"/tokenize", {{"model", model_}, {"prompt", texts[i]}, {"add_special_tokens", false}}}; },
      [&](size_t i, const nlohmann::json& j) { out[i] = answers::tokens(j).size(); });
  return out;
}

std::vector<Score> HttpModel::score(const std::vector<ScoreRequest>& requests, const Progress& progress) {
  if (chat_) throw Error("scoring needs --api completions (prompts rendered by mop, scored token by token)");
  if (score_api_ == ScoreApi::unknown) check_scoring(0);  // opened without ModelNeeds::score
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
      [&](size_t i, const nlohmann::json& j) { tokens[i] = answers::tokens(j); });

  // 2. One request per pair: prompt + continuation as token ids, log-probabilities of every position.
  std::vector<Score> out(requests.size());
  std::vector<size_t> todo;
  for (size_t i = 0; i < requests.size(); ++i)
    if (!tokens[index.at({requests[i].continuation, false})].empty()) todo.push_back(i);
  const int k = options_.score_top_k;
  const bool echo = score_api_ == ScoreApi::echo;
  pool_->run(
      todo.size(),
      [&](size_t t) {
        const auto& r = requests[todo[t]];
        std::vector<int> ids = tokens[index.at({r.prompt, true})];
        const auto& cont = tokens[index.at({r.continuation, false})];
        ids.insert(ids.end(), cont.begin(), cont.end());
        nlohmann::json body = {{"model", model_}, {"prompt", ids}, {"max_tokens", 1}, {"temperature", 1.0}};
        if (echo) {
          body["echo"] = true;
          body["logprobs"] = k;
        } else {
          body["prompt_logprobs"] = k;
        }
        return http::Call{"/v1/completions", std::move(body)};
      },
      [&](size_t t, const nlohmann::json& j) {
        const auto& r = requests[todo[t]];
        const auto& prompt = tokens[index.at({r.prompt, true})];
        const auto& cont = tokens[index.at({r.continuation, false})];
        if (prompt.empty()) throw Error("the prompt has no tokens: the first continuation token has no context");
        const size_t n = prompt.size() + cont.size();
        if (echo ? !answers::has_echo_logprobs(j) : !answers::has_prompt_logprobs(j))
          throw Error(echo ? "answer has no echo logprobs" : "answer has no prompt_logprobs");
        const auto& choice = *answers::first_choice(j);
        const size_t got = echo ? choice["logprobs"]["token_logprobs"].size() : choice["prompt_logprobs"].size();
        if (got < n)  // echo also covers the generated token
          throw Error("log-probabilities for " + std::to_string(got) + " positions, " + std::to_string(n) + " prompt tokens");
        Score s;
        for (size_t c = 0; c < cont.size(); ++c) {
          const size_t pos = prompt.size() + c;
          const auto entries =
              echo ? answers::echo_entries(choice["logprobs"], pos, cont[c]) : answers::prompt_logprobs_entries(choice["prompt_logprobs"][pos]);
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
