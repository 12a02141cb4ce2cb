#include "mop/util/jsonl.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "mop/error.h"

namespace mop::util {

void JsonLine::fail(const std::string& field, const std::string& what) const {
  throw Error(file + ":" + std::to_string(line) + ": field \"" + field + "\": " + what);
}

std::string JsonLine::string_field(const std::string& field) const {
  auto v = optional_string(field);
  if (!v) fail(field, "missing");
  return *v;
}

std::optional<std::string> JsonLine::optional_string(const std::string& field) const {
  auto it = value.find(field);
  if (it == value.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) fail(field, std::string("expected a string, got ") + it->type_name());
  return it->get<std::string>();
}

std::optional<double> JsonLine::optional_number(const std::string& field) const {
  auto it = value.find(field);
  if (it == value.end() || it->is_null()) return std::nullopt;
  if (!it->is_number()) fail(field, std::string("expected a number, got ") + it->type_name());
  return it->get<double>();
}

std::optional<bool> JsonLine::optional_bool(const std::string& field) const {
  auto it = value.find(field);
  if (it == value.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) fail(field, std::string("expected true or false, got ") + it->type_name());
  return it->get<bool>();
}

std::vector<JsonLine> read_jsonl_objects(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open " + path + ": " + std::strerror(errno));
  std::vector<JsonLine> out;
  std::string text;
  size_t line = 0;
  while (std::getline(in, text)) {
    ++line;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.find_first_not_of(" \t") == std::string::npos) continue;
    JsonLine j{{}, path, line};
    try {
      j.value = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {  // parse errors and number overflow (1e999)
      throw Error(path + ":" + std::to_string(line) + ": invalid JSON: " + short_json_error(e.what()));
    }
    if (!j.value.is_object()) throw Error(path + ":" + std::to_string(line) + ": expected a JSON object");
    out.push_back(std::move(j));
  }
  if (out.empty()) throw Error(path + ": no records (the file is empty)");
  return out;
}

std::string short_json_error(const std::string& what) {
  constexpr size_t kKeep = 40;
  const std::string marker = "last read: '";
  const size_t at = what.find(marker);
  if (at == std::string::npos) return what;
  const size_t from = at + marker.size();
  const size_t end = what.rfind('\'');
  if (end == std::string::npos || end < from || end - from <= 2 * kKeep) return what;
  // The end of the excerpt is where the parser stopped: keep both ends.
  return what.substr(0, from + kKeep) + "..." + what.substr(end - kKeep);
}

std::string dump_json_line(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace mop::util
