// Records out as JSON Lines, written atomically: a crash mid-write leaves the old file intact.
#include <stdexcept>

#include "mop/dataset.h"
#include "mop/util/atomic_file.h"

namespace mop::data {
namespace {

constexpr auto kReplace = nlohmann::json::error_handler_t::replace;

std::string quoted(const std::string& s) { return nlohmann::json(s).dump(-1, ' ', false, kReplace); }

void append_field(std::string& out, const std::string& key, const std::string& json_value) {
  out += out.size() > 1 ? "," : "";
  out += quoted(key);
  out += ':';
  out += json_value;
}

// Role fields first, in a fixed order, so files diff well; an extra field with a role's name is
// dropped because the role's value is the record's truth.
std::string to_line(const Record& r) {
  std::string out = "{";
  append_field(out, "id", quoted(r.id));
  append_field(out, "text", quoted(r.text));
  if (r.context) append_field(out, "context", quoted(*r.context));
  if (r.label) append_field(out, "label", quoted(*r.label));
  if (!r.extra.is_null() && !r.extra.is_object()) throw std::logic_error("Record::extra must be a JSON object");
  if (r.extra.is_object()) {
    for (const auto& [key, value] : r.extra.items()) {
      if (key == "id" || key == "text" || key == "context" || key == "label") continue;
      append_field(out, key, value.dump(-1, ' ', false, kReplace));
    }
  }
  out += "}\n";
  return out;
}

}  // namespace

void write_jsonl(const std::filesystem::path& path, const std::vector<Record>& records) {
  util::write_file_atomic(path, [&](std::ostream& out) {
    for (const auto& r : records) out << to_line(r);
  });
}

}  // namespace mop::data
