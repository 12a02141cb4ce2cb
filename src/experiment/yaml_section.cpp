#include "experiment/yaml_section.h"

#include "mop/error.h"

namespace mop::experiment {
namespace {

std::string where(const std::filesystem::path& file, const YAML::Node& node) {
  const auto mark = node.Mark();
  return file.string() + (mark.line >= 0 ? ":" + std::to_string(mark.line + 1) : std::string());
}

}  // namespace

Section::Section(std::filesystem::path file, YAML::Node node, std::string path)
    : file_(std::move(file)), node_(std::move(node)), path_(std::move(path)) {}

std::string Section::key_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

void Section::fail(const std::string& key, const std::string& what) const {
  YAML::Node n = has(key) ? at(key) : node_;
  throw Error(where(file_, n) + ": " + key_path(key) + ": " + what);
}

void Section::allow(const std::set<std::string>& known) const {
  if (!node_.IsMap()) throw Error(where(file_, node_) + ": " + (path_.empty() ? "the config" : path_) + " must be a mapping");
  for (const auto& kv : node_) {
    const std::string key = kv.first.as<std::string>();
    if (known.count(key)) continue;
    std::string names;
    for (const auto& k : known) names += (names.empty() ? "" : ", ") + k;
    throw Error(where(file_, kv.first) + ": unknown key '" + key_path(key) + "' (known here: " + names + ")");
  }
}

bool Section::has(const std::string& key) const { return node_.IsMap() && node_[key] && !node_[key].IsNull(); }

YAML::Node Section::at(const std::string& key) const { return node_[key]; }

Section Section::child(const std::string& key) const {
  if (!has(key)) throw Error(where(file_, node_) + ": " + key_path(key) + ": missing");
  Section s(file_, at(key), key_path(key));
  if (!s.node_.IsMap()) fail(key, "must be a mapping");
  return s;
}

template <typename T>
T Section::scalar(const std::string& key, const char* expected) const {
  const YAML::Node n = at(key);
  if (!n.IsScalar()) fail(key, std::string("expected ") + expected);
  try {
    return n.as<T>();
  } catch (const YAML::Exception&) {
    fail(key, std::string("expected ") + expected + ", got '" + n.Scalar() + "'");
  }
}

void Section::get(const std::string& key, std::string& out) const {
  if (has(key)) out = scalar<std::string>(key, "a string");
}
void Section::get(const std::string& key, std::optional<std::string>& out) const {
  if (has(key)) out = scalar<std::string>(key, "a string");
}
void Section::get(const std::string& key, int& out) const {
  if (has(key)) out = scalar<int>(key, "an integer");
}
void Section::get(const std::string& key, size_t& out) const {
  if (!has(key)) return;
  const long long v = scalar<long long>(key, "a non-negative integer");
  if (v < 0) fail(key, "must not be negative");
  out = static_cast<size_t>(v);
}
void Section::get(const std::string& key, double& out) const {
  if (has(key)) out = scalar<double>(key, "a number");
}
void Section::get(const std::string& key, bool& out) const {
  if (has(key)) out = scalar<bool>(key, "true or false");
}

void Section::get(const std::string& key, std::vector<std::string>& out) const {
  if (!has(key)) return;
  const YAML::Node n = at(key);
  if (n.IsScalar()) {
    out = {n.as<std::string>()};
    return;
  }
  if (!n.IsSequence()) fail(key, "expected a list of strings");
  out.clear();
  for (const auto& item : n) {
    if (!item.IsScalar()) fail(key, "expected a list of strings");
    out.push_back(item.as<std::string>());
  }
}

void Section::get(const std::string& key, std::vector<int>& out) const {
  if (!has(key)) return;
  const YAML::Node n = at(key);
  if (!n.IsSequence()) fail(key, "expected a list of integers");
  out.clear();
  for (const auto& item : n) {
    try {
      out.push_back(item.as<int>());
    } catch (const YAML::Exception&) {
      fail(key, "expected a list of integers");
    }
  }
}

void Section::get(const std::string& key, std::vector<uint64_t>& out) const {
  if (!has(key)) return;
  const YAML::Node n = at(key);
  if (!n.IsSequence()) fail(key, "expected a list of non-negative integers");
  out.clear();
  for (const auto& item : n) {
    long long v = -1;
    try {
      v = item.as<long long>();
    } catch (const YAML::Exception&) {
    }
    if (v < 0) fail(key, "expected a list of non-negative integers");
    out.push_back(static_cast<uint64_t>(v));
  }
}

std::vector<std::pair<std::string, std::string>> Section::string_map(const std::string& key) const {
  std::vector<std::pair<std::string, std::string>> out;
  if (!has(key)) return out;
  const YAML::Node n = at(key);
  if (!n.IsMap()) fail(key, "expected a mapping of strings");
  for (const auto& kv : n) {
    if (!kv.second.IsScalar()) fail(key, "value of '" + kv.first.as<std::string>() + "' must be a string");
    out.emplace_back(kv.first.as<std::string>(), kv.second.as<std::string>());
  }
  return out;
}

std::vector<Section> Section::list(const std::string& key) const {
  std::vector<Section> out;
  if (!has(key)) return out;
  const YAML::Node n = at(key);
  if (!n.IsSequence()) fail(key, "expected a list");
  size_t i = 0;
  for (const auto& item : n) {
    Section s(file_, item, key_path(key) + "[" + std::to_string(i++) + "]");
    if (!item.IsMap()) throw Error(where(file_, item) + ": " + s.path_ + " must be a mapping");
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace mop::experiment
