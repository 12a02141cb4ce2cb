#pragma once
// RFC-4180 record splitter for CSV and TSV: fields separated by one delimiter, records by LF or
// CRLF; a field that starts with a double quote runs to the matching quote, may hold delimiters
// and line breaks, and writes a quote as "". A quote inside an unquoted field is kept as a
// character (as Python's csv does), since real files have them (5" screen).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mop::data::detail {

struct CsvRow {
  std::vector<std::string> fields;
  std::size_t line = 0;    // 1-based line where the record starts
  std::string_view raw;    // the record's bytes in the input, line break excluded
  std::string error;       // non-empty: the record is malformed (fields are then incomplete)
  std::size_t error_line = 0;
};

class CsvParser {
 public:
  CsvParser(std::string_view input, char delimiter) : in_(input), delim_(delimiter) {}
  // Reads the next record into row; false once the input is used up. Blank lines are skipped.
  // After a malformed record, parsing resumes at the next line.
  bool next(CsvRow& row);

 private:
  void fail(CsvRow& row, std::string what);
  // Reads a quoted field starting at the opening quote; false if the row is malformed.
  bool read_quoted(CsvRow& row, std::string& field);

  std::string_view in_;
  char delim_;
  std::size_t pos_ = 0;
  std::size_t start_ = 0;  // where the current record began
  std::size_t line_ = 1;
};

}  // namespace mop::data::detail
