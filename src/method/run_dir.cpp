#include "mop/run_dir.h"

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

#include "mop/error.h"
#include "mop/fit_options.h"
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

namespace {

// Every key of `got` must be one mop writes (those of `known`, at any depth): a misspelt or foreign
// setting is an error naming it, never silently ignored. Provenance is free-form (only shown).
void check_keys(const nlohmann::json& got, const nlohmann::json& known, const std::string& prefix, const fs::path& file) {
  if (!got.is_object()) throw Error(file.string() + ": " + (prefix.empty() ? "the top level" : "\"" + prefix + "\"") + " must be an object");
  for (const auto& [key, value] : got.items()) {
    const std::string name = prefix.empty() ? key : prefix + "." + key;
    if (!known.contains(key)) throw Error(file.string() + ": unknown key \"" + name + "\"");
    if (key == "provenance") continue;  // free-form: whatever the caller recorded
    const auto& want = known[key];
    const bool same_type = (want.is_number() && value.is_number()) || (!want.is_number() && want.type() == value.type());
    if (!same_type) throw Error(file.string() + ": key \"" + name + "\": expected " + (want.is_number() ? "number" : want.type_name()) + ", got " + value.type_name());
    if (want.is_object()) check_keys(value, want, name, file);
  }
}

}  // namespace

nlohmann::json RunDir::read_config() const {
  std::ifstream in(config());
  if (!in) throw Error("not a mop run directory (no config.json): " + root_.string());
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {  // parse errors and number overflow (1e999)
    throw Error(config().string() + ": invalid JSON: " + util::short_json_error(e.what()));
  }
  const nlohmann::json known = {{"method", ""}, {"options", fit_options_to_json(FitOptions{})}, {"encoder", ""},
                                {"personas", 0}, {"records", 0}, {"provenance", nlohmann::json::object()},
                                {"token_budget", {{"exemplars_cut", 0}, {"responses_cut", 0}, {"responses_skipped", 0}, {"contexts_cut", 0}}}};
  check_keys(j, known, "", config());
  if (!j.contains("options")) throw Error(config().string() + ": missing key \"options\"");
  return j;
}

void RunDir::write_exemplars(const std::vector<Exemplar>& pool) const {
  std::string text;
  for (const auto& e : pool) {
    nlohmann::json j = {{"id", e.id}, {"source", e.source}, {"record_id", e.record_id}, {"text", e.text}};
    if (e.context) j["context"] = *e.context;
    if (e.cut) {
      j["cut"] = true;
      j["full_tokens"] = e.full_tokens;
    }
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
    if (auto c = line.optional_bool("cut")) e.cut = *c;
    if (auto f = line.optional_number("full_tokens")) e.full_tokens = static_cast<size_t>(*f);
    out.push_back(std::move(e));
  }
  return out;
}

void RunDir::write_log(const std::vector<nlohmann::json>& lines) const {
  std::string text;
  for (const auto& line : lines) text += util::dump_json_line(line) + "\n";
  util::write_file_atomic(train_log(), text);
}

std::vector<nlohmann::json> RunDir::read_log() const {
  std::vector<nlohmann::json> out;
  if (!fs::exists(train_log())) return out;
  for (const auto& line : util::read_jsonl_objects(train_log().string())) out.push_back(line.value);
  return out;
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
