// JSON Lines: one object per line. simdjson parses the well-formed lines quickly; a line it
// rejects is parsed again by nlohmann, which either accepts it (simdjson is stricter about some
// numbers) or gives the user a message with a position in it.
#include <simdjson.h>

#include <algorithm>

#include "data/readers.h"
#include "mop/util/jsonl.h"

namespace mop::data::detail {
namespace {

nlohmann::json to_nlohmann(simdjson::dom::element e) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::OBJECT: {
      nlohmann::json obj = nlohmann::json::object();
      for (auto field : simdjson::dom::object(e)) obj[std::string(field.key)] = to_nlohmann(field.value);
      return obj;
    }
    case element_type::ARRAY: {
      nlohmann::json arr = nlohmann::json::array();
      for (auto v : simdjson::dom::array(e)) arr.push_back(to_nlohmann(v));
      return arr;
    }
    case element_type::STRING: return std::string(std::string_view(e));
    case element_type::INT64: return int64_t(e);
    case element_type::UINT64: return uint64_t(e);
    case element_type::DOUBLE: return double(e);
    case element_type::BOOL: return bool(e);
    case element_type::NULL_VALUE: return nullptr;
  }
  return nullptr;
}

// "malformed JSON at byte 12: syntax error while parsing ..." from nlohmann's longer message,
// which starts "[json.exception.parse_error.101] parse error at line 1, column 12: ".
std::string parse_message(const nlohmann::json::exception& e) {
  const std::string what = util::short_json_error(e.what());
  const auto* parse = dynamic_cast<const nlohmann::json::parse_error*>(&e);
  const std::size_t cut = parse ? what.find(": ") : what.find("] ");
  const std::string detail = cut == std::string::npos ? what : what.substr(cut + 2);
  if (!parse) return "malformed JSON: " + detail;
  return "malformed JSON at byte " + std::to_string(parse->byte) + ": " + detail;
}

bool is_blank(std::string_view s) { return s.find_first_not_of(" \t\r\f\v") == std::string_view::npos; }

}  // namespace

void read_jsonl(std::string_view content, RecordSink& sink) {
  if (content.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos) sink.fail(0, "empty file");
  sink.reserve(static_cast<std::size_t>(std::count(content.begin(), content.end(), '\n')) + 1);
  simdjson::dom::parser parser;
  std::string padded;  // the line, followed by the zero padding simdjson reads past its end
  std::size_t line_no = 0, row_index = 0, pos = 0;
  while (pos < content.size()) {
    std::size_t end = content.find('\n', pos);
    if (end == std::string_view::npos) end = content.size();
    const std::string_view line = content.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (is_blank(line)) continue;
    const std::size_t row = row_index++;

    std::size_t at = line_no;
    if (std::string bad = check_utf8(line, at); !bad.empty()) {
      sink.bad(at, bad);
      continue;
    }
    padded.assign(line);
    padded.resize(line.size() + simdjson::SIMDJSON_PADDING, '\0');
    nlohmann::json value;
    simdjson::dom::element doc;
    if (parser.parse(padded.data(), line.size(), false).get(doc) == simdjson::SUCCESS) {
      value = to_nlohmann(doc);
    } else {
      try {
        value = nlohmann::json::parse(line);
      } catch (const nlohmann::json::exception& e) {
        sink.bad(line_no, parse_message(e));
        continue;
      }
    }
    if (!value.is_object()) {
      sink.bad(line_no, std::string("expected a JSON object, got ") + value.type_name() +
                            " (JSON Lines holds one object per line)");
      continue;
    }
    sink.add_row(std::move(value), line_no, row);
  }
}

}  // namespace mop::data::detail
