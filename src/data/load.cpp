// load(): picks the reader for the path and reads the file into memory once.
#include <cctype>
#include <fstream>

#include "data/readers.h"
#include "mop/error.h"

namespace mop::data {
namespace fs = std::filesystem;

Format parse_format(std::string_view name) {
  if (name == "auto") return Format::Auto;
  if (name == "jsonl" || name == "json") return Format::Jsonl;
  if (name == "csv") return Format::Csv;
  if (name == "tsv") return Format::Tsv;
  if (name == "txt") return Format::TxtDir;
  throw Error("unknown format \"" + std::string(name) + "\" (choose auto, jsonl, csv, tsv or txt)");
}

std::string_view format_name(Format format) {
  switch (format) {
    case Format::Auto: return "auto";
    case Format::Jsonl: return "jsonl";
    case Format::Csv: return "csv";
    case Format::Tsv: return "tsv";
    case Format::TxtDir: return "txt";
  }
  return "auto";
}

Format detect_format(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return Format::TxtDir;
  std::string ext = path.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == ".jsonl" || ext == ".json" || ext == ".ndjson") return Format::Jsonl;
  if (ext == ".csv") return Format::Csv;
  if (ext == ".tsv" || ext == ".tab") return Format::Tsv;
  throw Error(path.string() + ": cannot tell the format from the extension \"" + ext +
              "\" (name it: jsonl, csv, tsv or txt)");
}

namespace detail {

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!fs::exists(path, ec)) throw Error(path.string() + ": no such file");
    throw Error(path.string() + ": cannot open for reading");
  }
  std::string content;
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (!ec) {
    content.resize(static_cast<std::size_t>(size));
    in.read(content.data(), static_cast<std::streamsize>(size));
    content.resize(static_cast<std::size_t>(in.gcount()));
  }
  if (ec || in.bad()) throw Error(path.string() + ": read failed");
  if (content.starts_with("\xEF\xBB\xBF")) content.erase(0, 3);
  return content;
}

}  // namespace detail

LoadResult load(const fs::path& path, const LoadOptions& options) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(path.string() + ": no such file or directory");
  const Format format = options.format == Format::Auto ? detect_format(path) : options.format;
  const bool is_dir = fs::is_directory(path, ec);
  if (format == Format::TxtDir && !is_dir) throw Error(path.string() + ": not a directory (format txt)");
  if (format != Format::TxtDir && is_dir) throw Error(path.string() + ": is a directory");

  detail::RecordSink sink(path.string(), options);
  if (format == Format::TxtDir) {
    detail::read_txt_dir(path, sink);
  } else {
    const std::string content = detail::read_file(path);
    if (format == Format::Jsonl) detail::read_jsonl(content, sink);
    else detail::read_delimited(content, format == Format::Csv ? ',' : '\t', sink);
  }
  return sink.finish();
}

}  // namespace mop::data
