// A directory of .txt files, one record per file, as in the classic sentiment corpora
// (train/pos/*.txt): the label is the file's top sub-folder, the id its path under the directory.
// Files are taken in sorted path order so the record order never depends on the file system.
#include <algorithm>
#include <system_error>

#include "data/readers.h"

namespace mop::data::detail {
namespace {

bool hidden(const std::filesystem::path& p) {
  const std::string name = p.filename().string();
  return !name.empty() && name[0] == '.';
}

}  // namespace

void read_txt_dir(const std::filesystem::path& dir, RecordSink& sink) {
  const LoadOptions& opt = sink.options();
  if (opt.context_field || opt.label_field || opt.id_field) {
    sink.fail(0, "a directory of .txt files has no fields to name (the label is the sub-folder name)");
  }
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, ec), end;
  if (ec) sink.fail(0, "cannot read directory: " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) sink.fail(0, "cannot read directory: " + ec.message());
    if (hidden(it->path())) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->path().extension() == ".txt" && it->is_regular_file()) files.push_back(it->path().lexically_relative(dir));
  }
  if (files.empty()) sink.fail(0, "no .txt files found");
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) { return a.generic_string() < b.generic_string(); });

  sink.reserve(files.size());
  for (const auto& rel : files) {
    const fs::path full = dir / rel;
    const std::string file = full.string();
    std::string text = read_file(full);
    std::size_t line = 1;
    if (std::string bad = check_utf8(text, line); !bad.empty()) {
      sink.bad(line, bad, file);
      continue;
    }
    // The final line break is the file's, not the text's.
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (text.find_first_not_of(" \t\r\n\f\v") == std::string::npos) {
      sink.bad(0, "empty file", file);
      continue;
    }
    Record r;
    r.id = rel.generic_string();
    r.text = std::move(text);
    if (std::distance(rel.begin(), rel.end()) > 1) r.label = rel.begin()->string();
    r.source = file;
    r.line = 1;
    sink.add(std::move(r));
  }
}

}  // namespace mop::data::detail
