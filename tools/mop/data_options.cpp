#include "data_options.h"

#include <cstdio>

namespace mop::cli {

data::LoadOptions DataArgs::load_options() const {
  data::LoadOptions o;
  o.format = data::parse_format(format);
  o.text_field = text;
  if (!context.empty()) o.context_field = context;
  if (!label.empty()) o.label_field = label;
  o.skip_bad = skip_bad;
  return o;
}

void add_data_options(CLI::App* cmd, DataArgs& a) {
  cmd->add_option("--text", a.text, "field holding the response y")->capture_default_str();
  cmd->add_option("--context", a.context, "field holding the context x (e.g. a movie title); none by default");
  cmd->add_option("--label", a.label, "field holding the label (default: \"label\" where present)");
  cmd->add_option("--format", a.format, "auto|jsonl|csv|tsv|txt (auto: by extension; a directory is txt)")->capture_default_str();
  cmd->add_flag("--skip-bad", a.skip_bad, "skip malformed lines with a warning instead of stopping");
}

std::vector<data::Record> load_records(const std::string& path, const DataArgs& args) {
  auto result = data::load(path, args.load_options());
  if (result.report.skipped > 0) {
    std::fprintf(stderr, "mop: warning: %s: skipped %zu bad lines\n", path.c_str(), result.report.skipped);
    for (const auto& m : result.report.messages) std::fprintf(stderr, "  %s\n", m.c_str());
  }
  return std::move(result.records);
}

}  // namespace mop::cli
