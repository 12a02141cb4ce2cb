// Personas files: mop's JSONL (from mop personas or a run directory) or the user's own .txt,
// one persona per line.
#include <fstream>

#include "data/utf8.h"
#include "mop/error.h"
#include "mop/personas.h"
#include "mop/util/atomic_file.h"
#include "mop/util/jsonl.h"

namespace mop::method {

std::vector<Persona> read_personas(const std::filesystem::path& path) {
  std::vector<Persona> out;
  const auto ext = path.extension().string();
  if (ext == ".jsonl" || ext == ".json") {
    for (const auto& line : util::read_jsonl_objects(path.string())) {
      Persona p;
      p.id = static_cast<int>(out.size());
      auto text = line.optional_string("text");
      if (!text) text = line.optional_string("persona");
      if (!text) line.fail("text", "missing (a persona line needs \"text\" or \"persona\")");
      if (text->empty()) line.fail("text", "empty");
      p.text = *text;
      p.label = line.optional_string("label");
      if (auto n = line.optional_number("cluster_size")) p.cluster_size = static_cast<int>(*n);
      if (auto it = line.value.find("member_ids"); it != line.value.end() && it->is_array())
        for (const auto& m : *it) p.member_ids.push_back(m.is_string() ? m.get<std::string>() : m.dump());
      out.push_back(std::move(p));
    }
  } else {
    std::ifstream in(path);
    if (!in) throw Error("cannot open personas file " + path.string());
    size_t line_no = 0;
    for (std::string line; std::getline(in, line);) {
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (const size_t bad = data::utf8::find_invalid(line); bad != data::utf8::npos)
        throw Error(path.string() + ":" + std::to_string(line_no) + ": invalid UTF-8 at byte " + std::to_string(bad + 1));
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      out.push_back({static_cast<int>(out.size()), line, 0, {}, std::nullopt});
    }
  }
  if (out.empty()) throw Error(path.string() + ": no personas");
  return out;
}

void write_personas(const std::filesystem::path& path, const std::vector<Persona>& personas) {
  std::string text;
  for (const auto& p : personas) {
    nlohmann::json j = {{"id", p.id}, {"text", p.text}, {"cluster_size", p.cluster_size}, {"member_ids", p.member_ids}};
    if (p.label) j["label"] = *p.label;
    text += util::dump_json_line(j) + "\n";
  }
  util::write_file_atomic(path, text);
}

}  // namespace mop::method
