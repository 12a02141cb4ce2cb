#include "support/paths.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace mop::test {

TempDir::TempDir() {
  std::random_device rd;
  const auto base = std::filesystem::temp_directory_path();
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto p = base / ("mop-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    if (std::filesystem::create_directory(p)) {
      path_ = p;
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary directory");
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<nlohmann::json> jsonl(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

size_t count_lines(const std::string& path) {
  std::ifstream in(path);
  size_t n = 0;
  for (std::string line; std::getline(in, line);) n += !line.empty();
  return n;
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

int run_command(const std::string& command, std::string* out, std::string* err) {
  TempDir tmp;
  const std::string o = tmp.file("stdout"), e = tmp.file("stderr");
  const int status = std::system((command + " >" + o + " 2>" + e + " </dev/null").c_str());
  if (out) *out = read_file(o);
  if (err) *err = read_file(e);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void write_sst2_sample(const std::string& path, int n, size_t min_chars) {
  std::ifstream in(shared_path("data/sst2/train.jsonl"));
  std::ofstream out(path);
  int kept = 0;
  for (std::string line; std::getline(in, line) && kept < n;) {
    if (nlohmann::json::parse(line)["text"].get<std::string>().size() < min_chars) continue;
    out << line << "\n";
    ++kept;
  }
}

}  // namespace mop::test
