#pragma once
// UTF-8 checks for input text. Strict per RFC 3629 / Unicode 15 Table 3-7: no overlong forms,
// no surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no truncated sequences.
#include <cstddef>
#include <string>
#include <string_view>

namespace mop::data::utf8 {

inline constexpr std::size_t npos = std::string_view::npos;

// Offset of the first byte of the first ill-formed sequence, or npos if `s` is valid.
std::size_t find_invalid(std::string_view s);
inline bool is_valid(std::string_view s) { return find_invalid(s) == npos; }

// Decodes the code point at s[pos] and advances pos past it. On an ill-formed sequence returns
// false and advances pos by one byte, so callers can pass bad bytes through unchanged.
bool next(std::string_view s, std::size_t& pos, char32_t& cp);

// Appends the UTF-8 encoding of a valid scalar value.
void append(std::string& out, char32_t cp);

}  // namespace mop::data::utf8
