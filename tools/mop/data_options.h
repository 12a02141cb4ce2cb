#pragma once
// The flags every command that reads a data set shares: which fields hold y, x and the label.
#include <CLI/CLI.hpp>
#include <string>

#include "mop/dataset.h"

namespace mop::cli {

struct DataArgs {
  std::string text = "text";
  std::string context;
  std::string label;
  std::string format = "auto";
  bool skip_bad = false;

  data::LoadOptions load_options() const;
};

void add_data_options(CLI::App* cmd, DataArgs& args);

// Loads a data set with these options; warnings for skipped lines go to stderr.
std::vector<data::Record> load_records(const std::string& path, const DataArgs& args);

}  // namespace mop::cli
