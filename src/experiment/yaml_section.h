#pragma once
// Strict reading of one YAML mapping: every key must be known, every value of the expected type,
// and every error names the file, the line and the key's full path (e.g. "fit.epochs").
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace mop::experiment {

class Section {
 public:
  Section(std::filesystem::path file, YAML::Node node, std::string path);

  // Throws unless the node is a mapping whose keys are all in `known`.
  void allow(const std::set<std::string>& known) const;
  bool has(const std::string& key) const;
  Section child(const std::string& key) const;  // must exist and be a mapping

  // Set `out` from the key when present (left unchanged otherwise); wrong types throw.
  void get(const std::string& key, std::string& out) const;
  void get(const std::string& key, int& out) const;
  void get(const std::string& key, size_t& out) const;  // also uint64_t (the same type here)
  void get(const std::string& key, double& out) const;
  void get(const std::string& key, bool& out) const;
  void get(const std::string& key, std::vector<std::string>& out) const;  // a list, or one string
  void get(const std::string& key, std::vector<int>& out) const;
  void get(const std::string& key, std::vector<uint64_t>& out) const;
  void get(const std::string& key, std::optional<std::string>& out) const;

  // A mapping of string -> string, in file order.
  std::vector<std::pair<std::string, std::string>> string_map(const std::string& key) const;
  // A list of mappings.
  std::vector<Section> list(const std::string& key) const;

  [[noreturn]] void fail(const std::string& key, const std::string& what) const;
  const YAML::Node& node() const { return node_; }
  const std::filesystem::path& file() const { return file_; }

 private:
  YAML::Node at(const std::string& key) const;
  std::string key_path(const std::string& key) const;
  template <typename T>
  T scalar(const std::string& key, const char* expected) const;

  std::filesystem::path file_;
  YAML::Node node_;
  std::string path_;
};

}  // namespace mop::experiment
