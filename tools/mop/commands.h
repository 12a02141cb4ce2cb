#pragma once
// Each subcommand registers itself on the app; main() only dispatches and maps errors to exit codes.
#include <CLI/CLI.hpp>

namespace mop::cli {

void register_lm(CLI::App& app);

}  // namespace mop::cli
