#include "mop/lm.h"

namespace mop::lm {

std::vector<ChatMessage> persona_messages(const std::string& persona, const std::string& instruction) {
  std::vector<ChatMessage> messages;
  if (!persona.empty()) messages.push_back({"system", persona});
  messages.push_back({"user", instruction});
  return messages;
}

std::string LanguageModel::render(const std::string& persona, const std::string& instruction) const {
  return render(persona_messages(persona, instruction));
}

GenerateRequest LanguageModel::request(std::vector<ChatMessage> messages) const {
  GenerateRequest r;
  r.prompt = render(messages);
  r.messages = std::move(messages);
  return r;
}

GenerateRequest LanguageModel::request(const std::string& persona, const std::string& instruction) const {
  return request(persona_messages(persona, instruction));
}

}  // namespace mop::lm

namespace mop::lm {

uint64_t stream_seed(uint64_t seed, uint64_t index) {
  // splitmix64 of (seed, index): well-spread, independent streams for neighbouring indices.
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * (index + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace mop::lm
