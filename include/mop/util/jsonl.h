#pragma once
// Small JSONL helpers for command inputs: every object keeps its file and line so that errors
// name them ("prompts.jsonl:12: field \"prompt\": missing").
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace mop::util {

struct JsonLine {
  nlohmann::json value;
  std::string file;
  size_t line = 0;

  [[noreturn]] void fail(const std::string& field, const std::string& what) const;
  std::string string_field(const std::string& field) const;  // required string
  std::optional<std::string> optional_string(const std::string& field) const;
  std::optional<double> optional_number(const std::string& field) const;
  std::optional<bool> optional_bool(const std::string& field) const;
};

// Reads one JSON object per non-blank line. Throws mop::Error naming file and line.
std::vector<JsonLine> read_jsonl_objects(const std::string& path);

// nlohmann's error text with its "last read: '...'" excerpt cut to a few dozen bytes: the
// excerpt holds everything read so far, which for a 1 MB line is the whole line.
std::string short_json_error(const std::string& what);

// JSON text of a value with invalid UTF-8 replaced (model output may be cut mid-character).
std::string dump_json_line(const nlohmann::json& value);

}  // namespace mop::util
