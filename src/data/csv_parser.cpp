#include "data/csv_parser.h"

namespace mop::data::detail {
namespace {

// Length of the line break at pos (LF or CRLF), 0 if none.
std::size_t break_at(std::string_view s, std::size_t pos) {
  if (pos < s.size() && s[pos] == '\n') return 1;
  if (pos + 1 < s.size() && s[pos] == '\r' && s[pos + 1] == '\n') return 2;
  return 0;
}

}  // namespace

void CsvParser::fail(CsvRow& row, std::string what) {
  row.error = std::move(what);
  row.error_line = line_;
  // Resynchronise at the next line break.
  while (pos_ < in_.size() && in_[pos_] != '\n') ++pos_;
  row.raw = in_.substr(start_, pos_ - start_);
  if (pos_ < in_.size()) ++pos_;
  ++line_;
}

bool CsvParser::read_quoted(CsvRow& row, std::string& field) {
  const std::size_t open_line = line_;
  ++pos_;  // opening quote
  for (;;) {
    const std::size_t q = in_.find('"', pos_);
    if (q == std::string_view::npos) {
      line_ = open_line;
      row.error = "unterminated quoted field";
      row.error_line = open_line;
      row.raw = in_.substr(start_);
      pos_ = in_.size();
      return false;
    }
    const std::string_view chunk = in_.substr(pos_, q - pos_);
    for (char c : chunk) line_ += c == '\n';
    field.append(chunk);
    pos_ = q + 1;
    if (pos_ < in_.size() && in_[pos_] == '"') {  // "" is a literal quote
      field += '"';
      ++pos_;
      continue;
    }
    if (pos_ == in_.size() || in_[pos_] == delim_ || break_at(in_, pos_) > 0) return true;
    fail(row, std::string("unexpected character after closing quote"));
    return false;
  }
}

bool CsvParser::next(CsvRow& row) {
  // Skip blank lines between records.
  while (std::size_t n = break_at(in_, pos_)) {
    pos_ += n;
    ++line_;
  }
  if (pos_ >= in_.size()) return false;
  row.fields.clear();
  row.error.clear();
  row.error_line = 0;
  row.line = line_;
  start_ = pos_;
  for (;;) {
    std::string field;
    if (pos_ < in_.size() && in_[pos_] == '"') {
      if (!read_quoted(row, field)) return true;
    } else {
      const std::size_t begin = pos_;
      while (pos_ < in_.size() && in_[pos_] != delim_ && break_at(in_, pos_) == 0) ++pos_;
      field.assign(in_.substr(begin, pos_ - begin));
    }
    row.fields.push_back(std::move(field));
    if (pos_ < in_.size() && in_[pos_] == delim_) {
      ++pos_;
      continue;
    }
    row.raw = in_.substr(start_, pos_ - start_);
    const std::size_t n = break_at(in_, pos_);
    pos_ += n;
    if (n > 0) ++line_;
    return true;
  }
}

}  // namespace mop::data::detail
