#pragma once
// mop::lm — the one door to language models. The method (fit, simulate, baselines) talks only to
// LanguageModel; backends (llama.cpp in-process, HTTP servers) implement it.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "mop/error.h"

namespace mop::lm {

struct ChatMessage {
  std::string role;     // "system", "user" or "assistant"
  std::string content;
};

// One (prompt, continuation) pair to score at temperature tau.
struct ScoreRequest {
  std::string prompt;        // rendered prompt (see LanguageModel::render)
  std::string continuation;  // the text whose likelihood is wanted
  double tau = 1.0;          // temperature applied to the logits: log softmax(logits / tau)
};

struct Score {
  double logprob = 0.0;        // sum over continuation tokens of log softmax(logits / tau)[token]
  double dlogprob_dtau = 0.0;  // exact derivative of logprob with respect to tau
  int n_tokens = 0;            // number of continuation tokens
};

struct SamplingParams {
  double temperature = 1.0;  // <= 0 means greedy decoding
  double top_p = 1.0;        // nucleus sampling, applied after temperature
  int max_tokens = 128;
  std::vector<std::string> stop;  // generation ends before the first occurrence of any of these
  uint64_t seed = 0;              // each request draws from its own stream seeded by this
  bool ignore_eos = false;        // never sample end-of-generation tokens (fixed-length runs)
};

// One request to generate from. `prompt` is the text as the model's chat template renders it:
// in-process backends decode it, plans and token counts read it. `messages`, when given, is the
// conversation it was rendered from (LanguageModel::request fills both); a backend that applies
// the template itself (HTTP --api chat, on the server) sends these as they are, and sends a
// request without them as one user message holding the prompt.
struct GenerateRequest {
  std::string prompt;
  SamplingParams sampling;
  std::vector<ChatMessage> messages;
};

// MoP's conversation: the persona as system message (none when empty), the instruction as user
// message.
std::vector<ChatMessage> persona_messages(const std::string& persona, const std::string& instruction);

struct Generation {
  std::string text;
  int n_tokens = 0;           // tokens generated (a stop string's own tokens included)
  std::string finish_reason;  // "stop" (end-of-generation token or stop string) or "length"
};

// A language-model error about one request of a batch: what() reads "request N: detail" (N
// 1-based); callers that know where request i came from (a file and line) catch this and say that
// instead, from index() and detail().
class RequestError : public Error {
 public:
  RequestError(size_t index, const std::string& detail)
      : Error("request " + std::to_string(index + 1) + ": " + detail), index_(index), detail_(detail) {}
  size_t index() const { return index_; }  // 0-based, in the batch's request order
  const std::string& detail() const { return detail_; }

 private:
  size_t index_;
  std::string detail_;
};

// The seed of request `index` in a batch run with seed `seed`: each request gets its own random
// stream, so adding or removing other requests never changes its draws.
uint64_t stream_seed(uint64_t seed, uint64_t index);

// Called as work completes: (done, total) in units the call defines (pairs or requests).
using Progress = std::function<void(size_t done, size_t total)>;

class LanguageModel {
 public:
  virtual ~LanguageModel() = default;

  // Stable identity of the model (used to key caches and recorded in outputs).
  virtual std::string id() const = 0;

  // Renders a conversation with the model's chat template, ending with the assistant's turn
  // opened so that what follows is the model's reply.
  virtual std::string render(const std::vector<ChatMessage>& messages) const = 0;

  // MoP's prompt: render(persona_messages(persona, instruction)).
  std::string render(const std::string& persona, const std::string& instruction) const;

  // A request for a conversation: its rendering and the messages themselves (see GenerateRequest).
  GenerateRequest request(std::vector<ChatMessage> messages) const;
  GenerateRequest request(const std::string& persona, const std::string& instruction) const;

  // Log-likelihoods of continuations given prompts, in request order.
  virtual std::vector<Score> score(const std::vector<ScoreRequest>& requests,
                                   const Progress& progress = {}) = 0;

  // Sampled continuations, in request order.
  virtual std::vector<Generation> generate(const std::vector<GenerateRequest>& requests,
                                           const Progress& progress = {}) = 0;

  // How many tokens each text takes as a continuation (no special tokens), in order: what
  // score() counts in Score::n_tokens. Token budgets (long records cut to fit) use it.
  virtual std::vector<size_t> count_tokens(const std::vector<std::string>& texts) = 0;
};

}  // namespace mop::lm
