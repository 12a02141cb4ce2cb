#include "support/shared_data.h"

#include <fstream>
#include <stdexcept>

#include "support/paths.h"

namespace mop::test {

std::vector<nlohmann::json> shared_records(const std::string& relative, std::size_t first, std::size_t count) {
  const std::string path = shared_path("data/" + relative);
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<nlohmann::json> out;
  std::size_t line_no = 0;
  for (std::string line; out.size() < count && std::getline(in, line); ++line_no)
    if (line_no >= first) out.push_back(nlohmann::json::parse(line));
  if (out.size() < count) throw std::runtime_error(path + " has fewer rows than the test needs");
  return out;
}

std::vector<std::string> shared_texts(const std::string& relative, std::size_t count) {
  std::vector<std::string> out;
  for (const auto& j : shared_records(relative, 0, count)) out.push_back(j.at("text").get<std::string>());
  return out;
}

void write_slice(const std::string& relative, std::size_t first, std::size_t count, const std::string& dest,
                 const std::function<void(nlohmann::json&, std::size_t)>& edit) {
  auto records = shared_records(relative, first, count);
  std::ofstream out(dest);
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (edit) edit(records[i], i);
    out << records[i].dump() << '\n';
  }
}

}  // namespace mop::test
