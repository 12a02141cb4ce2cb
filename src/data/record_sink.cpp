#include "data/record_sink.h"

#include <algorithm>
#include <optional>

#include "data/utf8.h"
#include "mop/error.h"

namespace mop::data::detail {
namespace {

// Thrown inside add_row to leave it at the first bad field; caught there and sent to bad().
struct FieldProblem {
  std::string what;
};

bool is_blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); });
}

std::string field_message(std::string_view name, std::string_view what) {
  std::string m = "field \"";
  m += name;
  m += "\": ";
  m += what;
  return m;
}

// The value of a role field as text: strings as they are, anything else as its JSON text.
// required: a missing (or null) field is a problem; otherwise it reads as "not there".
std::optional<std::string> role_value(const nlohmann::json& row, const std::string& name, bool required,
                                      bool must_be_string = false) {
  const auto it = row.find(name);
  if (it == row.end() || it->is_null()) {
    if (required) throw FieldProblem{field_message(name, "missing")};
    return std::nullopt;
  }
  std::string value;
  if (it->is_string()) {
    value = it->get<std::string>();
  } else if (must_be_string) {
    throw FieldProblem{field_message(name, std::string("expected a string, got ") + it->type_name())};
  } else {
    value = it->dump();
  }
  if (is_blank(value)) throw FieldProblem{field_message(name, "empty")};
  return value;
}

}  // namespace

void RecordSink::add_row(nlohmann::json&& row, std::size_t line, std::size_t row_index) {
  Record r;
  try {
    r.text = *role_value(row, options_.text_field, true, true);
    if (options_.context_field) r.context = role_value(row, *options_.context_field, true);
    r.label = role_value(row, options_.label_field.value_or("label"), options_.label_field.has_value());
    auto id = role_value(row, options_.id_field.value_or("id"), options_.id_field.has_value());
    r.id = id ? std::move(*id) : std::to_string(row_index);
  } catch (const FieldProblem& p) {
    bad(line, p.what);
    return;
  }
  // The role fields (even a null one) are not repeated in extra.
  row.erase(options_.text_field);
  if (options_.context_field) row.erase(*options_.context_field);
  row.erase(options_.label_field.value_or("label"));
  row.erase(options_.id_field.value_or("id"));
  r.extra = std::move(row);
  r.source = source_;
  r.line = line;
  records_.push_back(std::move(r));
}

std::string RecordSink::where(std::string_view file, std::size_t line) const {
  std::string w(file.empty() ? std::string_view(source_) : file);
  if (line > 0) {
    w += ':';
    w += std::to_string(line);
  }
  return w;
}

void RecordSink::bad(std::size_t line, std::string_view what, std::string_view file) {
  std::string message = where(file, line) + ": " + std::string(what);
  if (!options_.skip_bad) throw Error(message);
  ++report_.skipped;
  if (report_.messages.size() < options_.max_messages) report_.messages.push_back(std::move(message));
}

void RecordSink::fail(std::size_t line, std::string_view what) const {
  throw Error(where({}, line) + ": " + std::string(what));
}

LoadResult RecordSink::finish() {
  if (records_.empty()) {
    if (report_.skipped == 0) fail(0, "no records");
    std::string m = "no records loaded: all " + std::to_string(report_.skipped) + " rows are bad";
    if (!report_.messages.empty()) m += " (first: " + report_.messages.front() + ")";
    fail(0, m);
  }
  report_.loaded = records_.size();
  return LoadResult{std::move(records_), std::move(report_)};
}

std::string check_utf8(std::string_view text, std::size_t& line) {
  const std::size_t bad = utf8::find_invalid(text);
  if (bad == utf8::npos) return {};
  const std::size_t line_start = text.rfind('\n', bad == 0 ? 0 : bad - 1);
  std::size_t column = bad + 1;
  if (line_start != std::string_view::npos && line_start < bad) {
    column = bad - line_start;
    line += static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n'));
  }
  return "invalid UTF-8 at byte " + std::to_string(column);
}

}  // namespace mop::data::detail
