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

const nlohmann::json* first_choice(const nlohmann::json& j) {
  if (j.is_discarded() || !j.contains("choices") || !j["choices"].is_array() || j["choices"].empty()) return nullptr;
  return &j["choices"][0];
}

bool has_prompt_logprobs(const nlohmann::json& j) {
  const auto* c = first_choice(j);
  return c && c->contains("prompt_logprobs") && (*c)["prompt_logprobs"].is_array();
}

bool has_echo_logprobs(const nlohmann::json& j) {
  const auto* c = first_choice(j);
  return c && c->contains("logprobs") && (*c)["logprobs"].is_object() && (*c)["logprobs"].contains("token_logprobs") &&
         (*c)["logprobs"]["token_logprobs"].is_array() && (*c)["logprobs"].contains("top_logprobs");
}

// The (token, raw logprob) entries at one position, for tempered_from_topk.
std::vector<std::pair<int, double>> entries_prompt_logprobs(const nlohmann::json& pos) {
  if (!pos.is_object()) throw Error("a prompt_logprobs entry is not an object");
  std::vector<std::pair<int, double>> entries;
  for (const auto& [key, v] : pos.items()) {
    int id = 0;
    try {
      id = std::stoi(key);
    } catch (const std::exception&) {
      throw Error("prompt_logprobs key '" + key + "' is not a token id");
    }
    entries.emplace_back(id, v.is_object() ? v.at("logprob").get<double>() : v.get<double>());
  }
  return entries;
}

// Legacy echo: top entries are keyed by token text, so they get stand-in ids (negative); the
// scored token is its own entry, and its copy among the top ones (same text, same value) is dropped.
std::vector<std::pair<int, double>> entries_echo(const nlohmann::json& logprobs, size_t j, int token) {
  const auto& lp = logprobs["token_logprobs"];
  const auto& top = logprobs["top_logprobs"];
  if (j >= lp.size() || !lp[j].is_number()) throw Error("echo logprobs: no token_logprobs at position " + std::to_string(j));
  const double l_y = lp[j].get<double>();
  std::string text;
  if (logprobs.contains("tokens") && logprobs["tokens"].is_array() && j < logprobs["tokens"].size() &&
      logprobs["tokens"][j].is_string())
    text = logprobs["tokens"][j].get<std::string>();
  std::vector<std::pair<int, double>> entries = {{token, l_y}};
  bool dropped = false;
  if (j < top.size() && top[j].is_object()) {
    int stand_in = -1;
    for (const auto& [key, v] : top[j].items()) {
      const double l = v.get<double>();
      if (!dropped && key == text && std::abs(l - l_y) < 1e-6) {
        dropped = true;
        continue;
      }
      entries.emplace_back(stand_in--, l);
    }
  }
  return entries;
}

}  // namespace

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
    if (r.status == 200 && has_prompt_logprobs(nlohmann::json::parse(r.body, nullptr, false))) {
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
    if (r.status == 200 && has_echo_logprobs(nlohmann::json::parse(r.body, nullptr, false))) {
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
      [&](size_t i, const nlohmann::json& j) { tokens[i] = parse_tokens(j); });

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
        if (echo ? !has_echo_logprobs(j) : !has_prompt_logprobs(j))
          throw Error(echo ? "answer has no echo logprobs" : "answer has no prompt_logprobs");
        const auto& choice = *first_choice(j);
        const size_t got = echo ? choice["logprobs"]["token_logprobs"].size() : choice["prompt_logprobs"].size();
        if (got < n)  // echo also covers the generated token
          throw Error("log-probabilities for " + std::to_string(got) + " positions, " + std::to_string(n) + " prompt tokens");
        Score s;
        for (size_t c = 0; c < cont.size(); ++c) {
          const size_t pos = prompt.size() + c;
          const auto entries =
              echo ? entries_echo(choice["logprobs"], pos, cont[c]) : entries_prompt_logprobs(choice["prompt_logprobs"][pos]);
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
