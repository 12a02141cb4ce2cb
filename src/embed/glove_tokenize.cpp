#include "embed/glove_tokenize.h"

#include <array>
#include <utility>

namespace mop::embed::detail {
namespace {

// Latin-1 letters U+00C0..U+00FF folded to ASCII; nullptr marks × and ÷, which are symbols.
constexpr std::array<const char*, 64> kLatin1 = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o", "o", "o", nullptr, "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o", "o", "o", nullptr, "o", "u", "u", "u", "u", "y", "th", "y"};

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 if invalid.
std::size_t decode_utf8(std::string_view s, std::size_t i, char32_t& cp) {
  const auto b = static_cast<unsigned char>(s[i]);
  std::size_t len = b >= 0xf0 && b < 0xf5 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b < 0xe0 ? 2 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  cp = b & (0x7f >> len);
  for (std::size_t k = 1; k < len; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3f);
  }
  const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff));
  if (overlong || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

bool is_space_cp(char32_t c) {
  return c == 0xa0 || (c >= 0x2000 && c <= 0x200b) || c == 0x202f || c == 0x205f || c == 0x3000 || c == 0xfeff;
}

// Punctuation and symbol blocks: each such code point is a token of its own.
bool is_symbol_cp(char32_t c) {
  return (c >= 0xa1 && c <= 0xbf) || c == 0xd7 || c == 0xf7 || (c >= 0x2010 && c <= 0x2bff) ||
         (c >= 0x3001 && c <= 0x303f) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff01 && c <= 0xff0f) || c >= 0x1f000;
}

// Appends the character of an HTML entity at text[i] ("&amp;", "&#39;", and "#39;" as left in
// AG News) and returns the entity's length, or returns 0.
std::size_t html_entity(std::string_view text, std::size_t i, std::string& out) {
  static constexpr std::pair<std::string_view, char> kNamed[] = {
      {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}, {"&lt;", '<'}, {"&gt;", '>'}, {"&nbsp;", ' '}};
  for (const auto& [name, c] : kNamed) {
    if (text.substr(i, name.size()) == name) {
      out += c;
      return name.size();
    }
  }
  std::size_t j = i + (text[i] == '&' ? 1 : 0);
  if (j >= text.size() || text[j] != '#') return 0;
  std::size_t k = j + 1;
  unsigned code = 0;
  while (k < text.size() && k < j + 6 && text[k] >= '0' && text[k] <= '9') code = code * 10 + unsigned(text[k++] - '0');
  if (k == j + 1 || k >= text.size() || text[k] != ';' || code < 32 || code > 126) return 0;
  out += static_cast<char>(code >= 'A' && code <= 'Z' ? code - 'A' + 'a' : code);
  return k + 1 - i;
}

// Lowercase ASCII plus untouched non-ASCII word bytes; symbols are padded with spaces.
std::string normalise(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b == '&' || b == '#') {
      if (const std::size_t len = html_entity(text, i, out)) {
        i += len;
        continue;
      }
    }
    if (b < 0x80) {
      out += (b >= 'A' && b <= 'Z') ? static_cast<char>(b - 'A' + 'a') : static_cast<char>(b);
      ++i;
      continue;
    }
    char32_t cp = 0;
    const std::size_t len = decode_utf8(text, i, cp);
    if (len == 0) {
      out += ' ';
      ++i;
      continue;
    }
    const std::string_view raw = text.substr(i, len);
    i += len;
    if (cp == 0x2018 || cp == 0x2019 || cp == 0x02bc || cp == 0x2032) {
      out += '\'';
    } else if (cp == 0x201c || cp == 0x201d || cp == 0x201e || cp == 0x2033) {
      out += '"';
    } else if (cp == 0x2010 || cp == 0x2011 || cp == 0x2013 || cp == 0x2014 || cp == 0x2212) {
      out += '-';
    } else if (cp >= 0xc0 && cp <= 0xff && kLatin1[cp - 0xc0] != nullptr) {
      out += kLatin1[cp - 0xc0];
    } else if (is_space_cp(cp)) {
      out += ' ';
    } else if (is_symbol_cp(cp)) {
      out += ' ';
      out += raw;
      out += ' ';
    } else {
      out += raw;
    }
  }
  return out;
}

bool is_alpha(char c) { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_word(char c) { return is_alpha(c) || is_digit(c) || static_cast<unsigned char>(c) >= 0x80; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Length of a dotted abbreviation ("u.s.", "e.g.", "a.m") at s[i], or 0: two or more single
// letters, each followed by a dot (the last dot is optional).
std::size_t abbreviation_length(const std::string& s, std::size_t i) {
  std::size_t j = i, letters = 0;
  while (j < s.size() && is_alpha(s[j]) && (j + 1 == s.size() || !is_word(s[j + 1]))) {
    ++letters;
    if (j + 1 < s.size() && s[j + 1] == '.') {
      j += 2;
    } else {
      ++j;
      break;
    }
  }
  return letters >= 2 ? j - i : 0;
}

// A word: word characters joined by inner hyphens and apostrophes, and by dots or commas between
// digits ("3.5", "1,000").
std::size_t word_length(const std::string& s, std::size_t i) {
  std::size_t j = i;
  while (j < s.size()) {
    if (is_word(s[j])) {
      ++j;
    } else if (j > i && j + 1 < s.size() &&
               (((s[j] == '-' || s[j] == '\'') && is_word(s[j - 1]) && is_word(s[j + 1])) ||
                ((s[j] == '.' || s[j] == ',') && is_digit(s[j - 1]) && is_digit(s[j + 1])))) {
      ++j;
    } else {
      break;
    }
  }
  return j - i;
}

// A clitic already split off, as in PTB-tokenised text ("moore 's", "does n't" is a word): its length.
std::size_t detached_clitic_length(const std::string& s, std::size_t i) {
  if (s[i] != '\'') return 0;
  for (std::string_view clitic : {"'s", "'re", "'ve", "'ll", "'d", "'m"}) {
    const std::size_t end = i + clitic.size();
    if (std::string_view(s).substr(i, clitic.size()) == clitic && (end == s.size() || !is_word(s[end]))) return clitic.size();
  }
  return 0;
}

// PTB splits clitics off: "don't" -> "do" "n't", "we'll" -> "we" "'ll".
void push_word(std::string_view w, std::vector<std::string>& out) {
  const auto ends = [&](std::string_view suffix) {
    return w.size() > suffix.size() && w.substr(w.size() - suffix.size()) == suffix;
  };
  for (std::string_view clitic : {"n't", "'s", "'re", "'ve", "'ll", "'d", "'m"}) {
    if (ends(clitic)) {
      push_word(w.substr(0, w.size() - clitic.size()), out);
      out.emplace_back(clitic);
      return;
    }
  }
  out.emplace_back(w);
}

}  // namespace

std::vector<std::string> glove_tokenize(std::string_view text) {
  const std::string s = normalise(text);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (is_space(c) || c == '\0') {
      ++i;
    } else if (is_word(c)) {
      std::size_t len = abbreviation_length(s, i);
      if (len > 0) {
        out.push_back(s.substr(i, len));
      } else {
        len = word_length(s, i);
        push_word(std::string_view(s).substr(i, len), out);
      }
      i += len;
    } else if (const std::size_t clitic = detached_clitic_length(s, i)) {
      out.push_back(s.substr(i, clitic));
      i += clitic;
    } else {
      // Punctuation: runs of dots ("...") and of hyphens ("--") stay together, others are single.
      std::size_t len = 1;
      if (c == '.' || c == '-') {
        while (i + len < s.size() && s[i + len] == c) ++len;
      }
      out.push_back(s.substr(i, len));
      i += len;
    }
  }
  return out;
}

std::vector<std::uint32_t> lookup_tokens(std::string_view text, const FindWord& find) {
  std::vector<std::uint32_t> ids;
  for (const std::string& token : glove_tokenize(text)) {
    if (auto id = find(token)) {
      ids.push_back(*id);
      continue;
    }
    // Unknown compound: look its parts up ("semi-arid" -> "semi" "arid", "o'neill" -> "o" "neill").
    if (token == "n't" || !is_word(token.front()) || token.find_first_of("-'") == std::string::npos) continue;
    std::size_t start = 0;
    for (std::size_t k = 0; k <= token.size(); ++k) {
      if (k < token.size() && token[k] != '-' && token[k] != '\'') continue;
      if (k > start) {
        if (auto id = find(std::string_view(token).substr(start, k - start))) ids.push_back(*id);
      }
      start = k + 1;
    }
  }
  return ids;
}

}  // namespace mop::embed::detail
