#pragma once
// The flags every command that loads a language model shares.
#include <CLI/CLI.hpp>

#include "mop/lm_llama.h"

namespace mop::cli {

void add_model_options(CLI::App* cmd, lm::LlamaOptions& options);

}  // namespace mop::cli
