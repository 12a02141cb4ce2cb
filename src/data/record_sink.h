#pragma once
// What every reader shares: turning a row's named fields into a Record under the user's field
// roles, and deciding what a bad row does (one mop::Error, or a counted warning under skip_bad).
#include <cstddef>
#include <string>
#include <string_view>

#include "mop/dataset.h"

namespace mop::data::detail {

class RecordSink {
 public:
  RecordSink(std::string source, const LoadOptions& options) : source_(std::move(source)), options_(options) {}

  const std::string& source() const { return source_; }
  const LoadOptions& options() const { return options_; }

  // Builds a record from one row (a JSON object of its fields) and keeps it; a row that lacks a
  // required field goes to bad(). row_index is the row's 0-based position among the file's data
  // rows, bad ones included, so ids do not shift when skip_bad drops a row.
  void add_row(nlohmann::json&& row, std::size_t line, std::size_t row_index);
  // Room for at most n records, so the vector is not regrown (and copied) as rows arrive.
  void reserve(std::size_t n) { records_.reserve(n); }
  // Keeps a record the reader built itself (the .txt directory reader).
  void add(Record&& record) { records_.push_back(std::move(record)); }

  // A bad row: throws mop::Error "file:line: what", or counts it when skip_bad is set.
  // `file` defaults to the source; line 0 means the message names no line.
  void bad(std::size_t line, std::string_view what, std::string_view file = {});
  // A problem with the input as a whole (empty file, bad header): always throws mop::Error.
  [[noreturn]] void fail(std::size_t line, std::string_view what) const;

  // Hands over the records; throws mop::Error if there are none.
  LoadResult finish();

 private:
  std::string where(std::string_view file, std::size_t line) const;

  std::string source_;
  const LoadOptions& options_;
  std::vector<Record> records_;
  LoadReport report_;
};

// "invalid UTF-8 at byte N" for the first bad byte of `text`, with N 1-based within its line and
// `line` advanced to the line it is on (text may span lines). Empty if text is valid.
std::string check_utf8(std::string_view text, std::size_t& line);

}  // namespace mop::data::detail
