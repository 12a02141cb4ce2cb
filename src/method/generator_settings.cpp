// A generator's own settings, checked against its table (see normalize_settings in mop/generator.h).
#include <charconv>

#include "mop/error.h"
#include "mop/generator.h"

namespace mop::gen {
namespace {

// Numbers come as JSON numbers (YAML) or as strings (CLI flags); both are read strictly.
nlohmann::json read_integer(const Setting& s, const nlohmann::json& v, const std::string& where) {
  long long x = 0;
  if (v.is_number_integer()) {
    x = v.get<long long>();
  } else if (v.is_string()) {
    const std::string& t = v.get_ref<const std::string&>();
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), x);
    if (ec != std::errc() || end != t.data() + t.size() || t.empty())
      throw Error(where + ": expected a whole number, got '" + t + "'");
  } else {
    throw Error(where + ": expected a whole number, got " + v.dump());
  }
  if (x < s.min) throw Error(where + " must be at least " + std::to_string(s.min) + ", got " + std::to_string(x));
  return x;
}

nlohmann::json read_number(const nlohmann::json& v, const std::string& where) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    const std::string& t = v.get_ref<const std::string&>();
    double x = 0;
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), x);
    if (ec == std::errc() && end == t.data() + t.size() && !t.empty()) return x;
    throw Error(where + ": expected a number, got '" + t + "'");
  }
  throw Error(where + ": expected a number, got " + v.dump());
}

nlohmann::json read_list(const nlohmann::json& v, const std::string& where) {
  if (v.is_string()) return nlohmann::json::array({v});
  if (!v.is_array()) throw Error(where + ": expected a list of strings, got " + v.dump());
  for (const auto& item : v)
    if (!item.is_string()) throw Error(where + ": expected a list of strings, got an item " + item.dump());
  return v;
}

}  // namespace

LabelCondition parse_label_condition(const std::string& text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    throw Error("--class '" + text + "': expected LABEL=CONDITION, e.g. 'positive=You had a positive impression.'");
  return {text.substr(0, eq), text.substr(eq + 1)};
}

nlohmann::json normalize_settings(const GeneratorInfo& info, const nlohmann::json& given,
                                  const std::function<std::string(const Setting&)>& where) {
  if (!given.is_null() && !given.is_object()) throw Error(info.name + ": settings must be a mapping, got " + given.dump());
  nlohmann::json out = nlohmann::json::object();
  if (given.is_object())
    for (const auto& [key, value] : given.items()) {
      bool known = false;
      for (const auto& s : info.settings) known = known || s.key == key;
      if (known) continue;
      std::string keys;
      for (const auto& s : info.settings) keys += (keys.empty() ? "" : ", ") + s.key;
      throw Error(info.name + " has no setting '" + key + "'" + (keys.empty() ? " (it has none)" : " (its settings: " + keys + ")"));
    }
  for (const auto& s : info.settings) {
    const bool has = given.is_object() && given.contains(s.key);
    const nlohmann::json& v = has ? given.at(s.key) : s.default_value;
    const std::string at = where(s);
    switch (s.type) {
      case Setting::Type::integer: out[s.key] = read_integer(s, v, at); break;
      case Setting::Type::number: out[s.key] = read_number(v, at); break;
      case Setting::Type::list: out[s.key] = read_list(v, at); break;
      case Setting::Type::text:
      case Setting::Type::path:
        if (!v.is_string()) throw Error(at + ": expected a string, got " + v.dump());
        out[s.key] = v;
        break;
    }
  }
  return out;
}

}  // namespace mop::gen
