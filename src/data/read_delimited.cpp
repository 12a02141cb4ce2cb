// CSV and TSV: the header row names the fields; every later record must have as many.
#include <algorithm>
#include <set>

#include "data/csv_parser.h"
#include "data/readers.h"

namespace mop::data::detail {
namespace {

// A field the user named must be a column; this is the header's problem, not any one row's.
void require_column(const std::vector<std::string>& header, const std::string& name, RecordSink& sink) {
  if (std::find(header.begin(), header.end(), name) != header.end()) return;
  std::string columns;
  for (const auto& h : header) columns += (columns.empty() ? "" : ", ") + h;
  sink.fail(1, "field \"" + name + "\": missing (the header has: " + columns + ")");
}

}  // namespace

void read_delimited(std::string_view content, char delimiter, RecordSink& sink) {
  CsvParser parser(content, delimiter);
  CsvRow row;
  if (!parser.next(row)) sink.fail(0, "empty file");
  std::size_t header_line = row.line;
  if (std::string bad = check_utf8(row.raw, header_line); !bad.empty()) sink.fail(header_line, bad);
  if (!row.error.empty()) sink.fail(row.error_line, row.error);
  const std::vector<std::string> header = row.fields;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i].empty()) sink.fail(row.line, "column " + std::to_string(i + 1) + " has no name");
    if (!seen.insert(header[i]).second) sink.fail(row.line, "column \"" + header[i] + "\" appears twice");
  }
  const LoadOptions& opt = sink.options();
  require_column(header, opt.text_field, sink);
  if (opt.context_field) require_column(header, *opt.context_field, sink);
  if (opt.label_field) require_column(header, *opt.label_field, sink);
  if (opt.id_field) require_column(header, *opt.id_field, sink);

  sink.reserve(static_cast<std::size_t>(std::count(content.begin(), content.end(), '\n')) + 1);
  std::size_t row_index = 0;
  bool any = false;
  while (parser.next(row)) {
    any = true;
    const std::size_t index = row_index++;
    std::size_t at = row.line;
    if (std::string bad = check_utf8(row.raw, at); !bad.empty()) {
      sink.bad(at, bad);
      continue;
    }
    if (!row.error.empty()) {
      sink.bad(row.error_line, row.error);
      continue;
    }
    if (row.fields.size() != header.size()) {
      sink.bad(row.line, "expected " + std::to_string(header.size()) + " fields as in the header, got " +
                             std::to_string(row.fields.size()));
      continue;
    }
    nlohmann::json obj = nlohmann::json::object();
    for (std::size_t i = 0; i < header.size(); ++i) obj[header[i]] = std::move(row.fields[i]);
    sink.add_row(std::move(obj), row.line, index);
  }
  if (!any) sink.fail(0, "no records after the header row");
}

}  // namespace mop::data::detail
