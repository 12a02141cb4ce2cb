#pragma once
// Parsers of the JSON answers of OpenAI-compatible serving engines (vLLM, SGLang, llama-server,
// Ollama): /tokenize, /v1/completions (text, prompt_logprobs, echo logprobs), /v1/chat/completions
// and /v1/embeddings. Each throws mop::Error (and only that) on an answer of the wrong shape.
#include <cstddef>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "mop/lm.h"

namespace mop::lm::http_answers {

// Token ids of a /tokenize answer ({"tokens": [...]}).
std::vector<int> tokens(const nlohmann::json& answer);

// The first choice of a completions answer, or null when there is none.
const nlohmann::json* first_choice(const nlohmann::json& answer);
// Whether the first choice carries vLLM's prompt_logprobs, or legacy echo logprobs.
bool has_prompt_logprobs(const nlohmann::json& answer);
bool has_echo_logprobs(const nlohmann::json& answer);

// (token, raw logprob) entries at one position of prompt_logprobs ({"<id>": {"logprob": l}, ...}).
std::vector<std::pair<int, double>> prompt_logprobs_entries(const nlohmann::json& position);
// The same from echo logprobs at position j, `token` being the scored token there (top entries are
// keyed by text, so they get negative stand-in ids).
std::vector<std::pair<int, double>> echo_entries(const nlohmann::json& logprobs, size_t j, int token);

// Text, finish reason and token count of a /v1/completions (chat = false) or chat answer.
Generation generation(const nlohmann::json& answer, bool chat);

// The `want` vectors of a /v1/embeddings answer, in input order (by "index" where given).
std::vector<std::vector<float>> embeddings(const nlohmann::json& answer, size_t want);

}  // namespace mop::lm::http_answers
