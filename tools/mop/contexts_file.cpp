#include "contexts_file.h"

#include <fstream>

#include "mop/error.h"
#include "mop/util/jsonl.h"

namespace mop::cli {

std::vector<std::string> read_contexts(const std::string& path, const std::string& field) {
  std::vector<std::string> out;
  if (path.size() > 6 && path.substr(path.size() - 6) == ".jsonl") {
    for (const auto& line : util::read_jsonl_objects(path)) out.push_back(line.string_field(field));
    return out;
  }
  std::ifstream in(path);
  if (!in) throw Error("cannot open contexts file " + path);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") != std::string::npos) out.push_back(line);
  }
  if (out.empty()) throw Error(path + ": no contexts");
  return out;
}

}  // namespace mop::cli
