// Parsers of serving engines' JSON answers, kept apart from the transport so they can be fuzzed
// alone (fuzz/fuzz_http_answers.cpp). Every malformed answer is a mop::Error, never another exception.
#include "lm/http_answers.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "mop/error.h"

namespace mop::lm::http_answers {

std::vector<int> tokens(const nlohmann::json& j) {
  if (!j.contains("tokens") || !j["tokens"].is_array()) throw Error("/tokenize answer has no \"tokens\" list");
  std::vector<int> t;
  for (const auto& v : j["tokens"]) {
    if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > INT32_MAX)
      throw Error("/tokenize answer: a token is not a token id");
    t.push_back(static_cast<int>(v.get<int64_t>()));
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
std::vector<std::pair<int, double>> prompt_logprobs_entries(const nlohmann::json& pos) {
  if (!pos.is_object()) throw Error("a prompt_logprobs entry is not an object");
  std::vector<std::pair<int, double>> entries;
  for (const auto& [key, v] : pos.items()) {
    int id = 0;
    size_t used = 0;
    try {
      id = std::stoi(key, &used);
    } catch (const std::exception&) {
    }
    if (used == 0 || used != key.size()) throw Error("prompt_logprobs key '" + key.substr(0, 40) + "' is not a token id");
    const nlohmann::json* l = v.is_object() && v.contains("logprob") ? &v["logprob"] : &v;
    if (!l->is_number()) throw Error("prompt_logprobs entry of token " + key + " has no numeric logprob");
    entries.emplace_back(id, l->get<double>());
  }
  return entries;
}

// Legacy echo: top entries are keyed by token text, so they get stand-in ids (negative); the
// scored token is its own entry, and its copy among the top ones (same text, same value) is dropped.
std::vector<std::pair<int, double>> echo_entries(const nlohmann::json& logprobs, size_t j, int token) {
  if (!logprobs.is_object() || !logprobs.contains("token_logprobs") || !logprobs["token_logprobs"].is_array() ||
      !logprobs.contains("top_logprobs") || !logprobs["top_logprobs"].is_array())
    throw Error("echo logprobs have no token_logprobs and top_logprobs lists");
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
      if (!v.is_number()) throw Error("echo top_logprobs at position " + std::to_string(j) + ": a value is not a number");
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


Generation generation(const nlohmann::json& answer, bool chat) {
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
  g.finish_reason = c.contains("finish_reason") && c["finish_reason"].is_string() ? c["finish_reason"].get<std::string>() : "stop";
  if (g.finish_reason != "length") g.finish_reason = "stop";  // "eos", "stop_sequence", ... all end the text
  if (answer.contains("usage") && answer["usage"].contains("completion_tokens") &&
      answer["usage"]["completion_tokens"].is_number_integer())
    g.n_tokens = static_cast<int>(std::clamp<int64_t>(answer["usage"]["completion_tokens"].get<int64_t>(), 0, 1 << 30));
  return g;
}

std::vector<std::vector<float>> embeddings(const nlohmann::json& j, size_t want) {
  if (!j.is_object() || !j.contains("data") || !j["data"].is_array() || j["data"].size() != want)
    throw Error("answer has no \"data\" list of " + std::to_string(want) + " embeddings");
  std::vector<std::vector<float>> got(want);
  std::vector<bool> seen(want, false);
  size_t position = 0;
  for (const auto& d : j["data"]) {
    const size_t i = d.is_object() && d.contains("index") && d["index"].is_number_unsigned() ? d["index"].get<size_t>() : position;
    ++position;
    if (i >= want || seen[i] || !d.is_object() || !d.contains("embedding") || !d["embedding"].is_array())
      throw Error("answer has an embedding without a valid index or vector");
    seen[i] = true;
    for (const auto& x : d["embedding"]) {
      if (!x.is_number() || !std::isfinite(x.get<float>())) throw Error("answer has an embedding value that is not a finite number");
      got[i].push_back(x.get<float>());
    }
  }
  return got;
}

}  // namespace mop::lm::http_answers
