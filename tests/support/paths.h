#pragma once
// Where tests find shared data, models and the CLI, and a temporary directory per test.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mop::test {

inline std::string shared_path(const std::string& rel) { return std::string(MOP_SHARED_DIR) + "/" + rel; }
inline std::string stories_model() { return shared_path("models/stories260K.gguf"); }
inline std::string cli_path() { return MOP_CLI; }

// A fresh directory removed when the object goes out of scope.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Runs a shell command, returns its exit status; stdout and stderr captured into the strings.
int run_command(const std::string& command, std::string* out = nullptr, std::string* err = nullptr);

std::string read_file(const std::string& path);
// The objects of a JSONL file, one per non-empty line.
std::vector<nlohmann::json> jsonl(const std::string& path);
// Non-empty lines in a file (0 if it does not exist).
size_t count_lines(const std::string& path);
void write_file(const std::string& path, const std::string& content);
// Writes the first n SST-2 training lines whose text has at least min_chars characters (short
// phrases say little to the method) to `path`, as JSONL.
void write_sst2_sample(const std::string& path, int n, size_t min_chars = 40);

}  // namespace mop::test
