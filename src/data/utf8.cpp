#include "data/utf8.h"

#include <cstdint>
#include <cstring>

namespace mop::data::utf8 {
namespace {

// Length of the well-formed sequence starting at s[pos], or 0 if it is ill-formed.
// The second-byte ranges follow Unicode Table 3-7, which is what rules out overlongs
// (E0 80..9F, F0 80..8F), surrogates (ED A0..BF) and values past U+10FFFF (F4 90.., F5..FF).
std::size_t sequence_length(std::string_view s, std::size_t pos) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char b0 = byte(pos);
  if (b0 < 0x80) return 1;
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;  // 80..C1 (continuation or overlong 2-byte lead) and F5..FF never start a sequence
  }
  if (pos + len > s.size()) return 0;
  if (byte(pos + 1) < lo || byte(pos + 1) > hi) return 0;
  for (std::size_t i = 2; i < len; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80) return 0;
  }
  return len;
}

}  // namespace

std::size_t find_invalid(std::string_view s) {
  std::size_t pos = 0;
  while (pos < s.size()) {
    // Most text is ASCII: skip eight bytes at a time while no high bit is set.
    if (pos + 8 <= s.size()) {
      std::uint64_t word;
      std::memcpy(&word, s.data() + pos, 8);
      if ((word & 0x8080808080808080ULL) == 0) {
        pos += 8;
        continue;
      }
    }
    const std::size_t len = sequence_length(s, pos);
    if (len == 0) return pos;
    pos += len;
  }
  return npos;
}

bool next(std::string_view s, std::size_t& pos, char32_t& cp) {
  const std::size_t len = sequence_length(s, pos);
  if (len == 0) {
    cp = static_cast<unsigned char>(s[pos]);
    ++pos;
    return false;
  }
  const auto b0 = static_cast<unsigned char>(s[pos]);
  static constexpr unsigned char kLeadMask[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
  char32_t v = b0 & kLeadMask[len];
  for (std::size_t i = 1; i < len; ++i) v = (v << 6) | (static_cast<unsigned char>(s[pos + i]) & 0x3F);
  cp = v;
  pos += len;
  return true;
}

void append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace mop::data::utf8
