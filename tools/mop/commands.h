#pragma once
// Each subcommand registers itself on the app; main() only dispatches and maps errors to exit codes.
#include <CLI/CLI.hpp>

namespace mop::cli {

void register_lm(CLI::App& app);
void register_embed(CLI::App& app);
void register_personas(CLI::App& app);
void register_fit(CLI::App& app);
void register_simulate(CLI::App& app);
void register_eval(CLI::App& app);
void register_baseline(CLI::App& app);
void register_experiment(CLI::App& app);

}  // namespace mop::cli
