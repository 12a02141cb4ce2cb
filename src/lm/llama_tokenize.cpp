#include "lm/llama_tokenize.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <string>

#include "mop/error.h"

namespace mop::lm {
namespace {

// `"<first 40 bytes>..." (N bytes)` on one line (errors print as one): line breaks become spaces,
// and the cut falls before a UTF-8 continuation byte so the excerpt stays valid UTF-8.
std::string describe(std::string_view text) {
  constexpr std::size_t kExcerpt = 40;
  std::size_t n = std::min(text.size(), kExcerpt);
  while (n < text.size() && n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  std::string excerpt(text.substr(0, n));
  for (char& c : excerpt)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return "\"" + excerpt + (n < text.size() ? "...\"" : "\"") + " (" + std::to_string(text.size()) + " bytes)";
}

}  // namespace

std::vector<llama_token> tokenize(const llama_vocab* vocab, std::string_view text, bool add_special, bool parse_special) {
  if (text.size() > static_cast<std::size_t>(INT32_MAX)) throw Error("text too long to tokenize: " + describe(text));
  const auto len = static_cast<int32_t>(text.size());
  // First call: how many tokens (negated, since the buffer is empty); INT32_MIN: more than int32 holds.
  int32_t n = llama_tokenize(vocab, text.data(), len, nullptr, 0, add_special, parse_special);
  if (n == INT32_MIN) throw Error("text too long to tokenize: " + describe(text));
  std::vector<llama_token> tokens(n < 0 ? -n : n);
  n = llama_tokenize(vocab, text.data(), len, tokens.data(), static_cast<int32_t>(tokens.size()), add_special, parse_special);
  if (n < 0) throw Error("llama.cpp failed to tokenize the text " + describe(text));
  tokens.resize(static_cast<std::size_t>(n));
  return tokens;
}

}  // namespace mop::lm
