#pragma once
// Optional numbers in JSON files: an absent value is written as null and read back as absent.
#include <optional>

#include <nlohmann/json.hpp>

namespace mop::util {

inline nlohmann::json json_or_null(const std::optional<double>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json();
}

inline std::optional<double> optional_double(const nlohmann::json& j) {
  if (j.is_null()) return std::nullopt;
  return j.get<double>();
}

}  // namespace mop::util
