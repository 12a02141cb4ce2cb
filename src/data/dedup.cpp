// De-duplication by text, keeping the first occurrence, optionally after loose normalisation.
#include <unordered_set>

#include "data/utf8.h"
#include "mop/dataset.h"

namespace mop::data {
namespace {

bool is_space(char32_t c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

// Simple (one-to-one) lower-casing for the scripts most corpora use; other letters pass unchanged.
char32_t to_lower(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 0x20;                 // Latin-1
  if (c >= 0x100 && c <= 0x17F) {                                           // Latin Extended-A
    if (c == 0x130 || c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F) return c;
    if (c == 0x178) return 0xFF;
    const bool odd_upper = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
    return (c % 2 == (odd_upper ? 1u : 0u)) ? c + 1 : c;
  }
  if ((c >= 0x391 && c <= 0x3A1) || (c >= 0x3A3 && c <= 0x3AB)) return c + 0x20;  // Greek
  if (c == 0x386) return 0x3AC;
  if (c >= 0x388 && c <= 0x38A) return c + 37;
  if (c == 0x38C) return 0x3CC;
  if (c == 0x38E || c == 0x38F) return c + 63;
  if (c == 0x3C2) return 0x3C3;                                              // final sigma
  if (c >= 0x410 && c <= 0x42F) return c + 0x20;                             // Cyrillic
  if (c >= 0x400 && c <= 0x40F) return c + 0x50;
  return c;
}

}  // namespace

std::string normalize_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t start = pos;
    char32_t c;
    if (!utf8::next(text, pos, c)) {  // not UTF-8: keep the byte as it is
      if (pending_space && !out.empty()) out += ' ';
      pending_space = false;
      out += text[start];
      continue;
    }
    if (is_space(c)) {
      pending_space = true;
      continue;
    }
    if (pending_space && !out.empty()) out += ' ';
    pending_space = false;
    utf8::append(out, to_lower(c));
  }
  return out;
}

std::vector<std::size_t> dedup_indices(const std::vector<Record>& records, bool normalize) {
  std::vector<std::size_t> kept;
  std::unordered_set<std::string> seen;
  seen.reserve(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    std::string key = normalize ? normalize_text(records[i].text) : records[i].text;
    if (seen.insert(std::move(key)).second) kept.push_back(i);
  }
  return kept;
}

std::vector<Record> dedup(const std::vector<Record>& records, bool normalize) {
  return subset(records, dedup_indices(records, normalize));
}

}  // namespace mop::data
