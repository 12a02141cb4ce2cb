#include "e2e/eval_samples.h"

#include <fstream>
#include <stdexcept>

#include "support/paths.h"

namespace mop::test {

void write_slice(const std::string& relative, std::size_t first, std::size_t count, const std::string& dest,
                 const std::function<void(nlohmann::json&, std::size_t)>& edit) {
  const std::string path = shared_path("data/" + relative);
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ofstream out(dest);
  std::size_t line_no = 0, written = 0;
  for (std::string line; written < count && std::getline(in, line); ++line_no) {
    if (line_no < first) continue;
    auto j = nlohmann::json::parse(line);
    if (edit) edit(j, written);
    out << j.dump() << '\n';
    ++written;
  }
  if (written < count) throw std::runtime_error(path + " has fewer rows than the test needs");
}

}  // namespace mop::test
