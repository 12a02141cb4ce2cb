#pragma once
// The flags every command that needs a language model shares: -m/--model (llama.cpp in process)
// or --endpoint URL, repeatable (OpenAI-compatible servers).
#include <CLI/CLI.hpp>

#include "mop/lm_open.h"

namespace mop::cli {

void add_model_options(CLI::App* cmd, lm::ModelOptions& options);

}  // namespace mop::cli
