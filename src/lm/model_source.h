#pragma once
// Where a model comes from: a local GGUF path, or hf:OWNER/REPO/FILE.gguf fetched into a cache
// directory with llama.cpp's own downloader (hub address from MODEL_ENDPOINT / HF_ENDPOINT).
#include <filesystem>
#include <string>

namespace mop::lm {

// The cache for downloaded models: $MOP_CACHE_DIR/models, else $XDG_CACHE_HOME/mop/models,
// else ~/.cache/mop/models.
std::filesystem::path default_model_cache_dir();

// Resolves a model spec to a local file, downloading it if needed. Throws mop::Error.
std::filesystem::path resolve_model(const std::string& spec, const std::filesystem::path& cache_dir);

// Checks that a local file is a complete GGUF file: exists, has the GGUF magic, a readable
// header, and is as long as its tensor table says. Throws mop::Error with one clear line.
void check_gguf_file(const std::filesystem::path& path);

}  // namespace mop::lm
