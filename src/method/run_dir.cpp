#include "mop/run_dir.h"

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

#include "mop/error.h"
#include "mop/util/atomic_file.h"
#include "mop/util/jsonl.h"

namespace mop::method {
namespace fs = std::filesystem;

fs::path RunDir::checkpoint(int epoch) const {
  char name[32];
  std::snprintf(name, sizeof name, "epoch-%04d.ckpt", epoch);
  return checkpoints() / name;
}

void RunDir::write_config(const nlohmann::json& config) const { util::write_file_atomic(this->config(), config.dump(2) + "\n"); }

nlohmann::json RunDir::read_config() const {
  std::ifstream in(config());
  if (!in) throw Error("not a mop run directory (no config.json): " + root_.string());
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(config().string() + ": invalid JSON: " + e.what());
  }
}

void RunDir::write_exemplars(const std::vector<Exemplar>& pool) const {
  std::string text;
  for (const auto& e : pool) {
    nlohmann::json j = {{"id", e.id}, {"source", e.source}, {"record_id", e.record_id}, {"text", e.text}};
    if (e.context) j["context"] = *e.context;
    text += util::dump_json_line(j) + "\n";
  }
  util::write_file_atomic(exemplars(), text);
}

std::vector<Exemplar> RunDir::read_exemplars() const {
  std::vector<Exemplar> out;
  for (const auto& line : util::read_jsonl_objects(exemplars().string())) {
    Exemplar e;
    e.id = static_cast<int>(out.size());
    e.text = line.string_field("text");
    e.context = line.optional_string("context");
    e.record_id = line.optional_string("record_id").value_or("");
    if (auto s = line.optional_number("source")) e.source = static_cast<size_t>(*s);
    out.push_back(std::move(e));
  }
  return out;
}

void RunDir::append_log(const nlohmann::json& line) const {
  std::string text;
  if (fs::exists(train_log())) {
    std::ifstream in(train_log(), std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    text = s.str();
  }
  text += util::dump_json_line(line) + "\n";
  util::write_file_atomic(train_log(), text);
}

std::vector<std::pair<int, fs::path>> RunDir::list_checkpoints() const {
  std::vector<std::pair<int, fs::path>> out;
  if (!fs::is_directory(checkpoints())) return out;
  static const std::regex name(R"(epoch-(\d+)\.ckpt)");
  for (const auto& entry : fs::directory_iterator(checkpoints())) {
    std::smatch m;
    const std::string file = entry.path().filename().string();
    if (std::regex_match(file, m, name)) out.emplace_back(std::stoi(m[1]), entry.path());
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  return out;
}

}  // namespace mop::method
