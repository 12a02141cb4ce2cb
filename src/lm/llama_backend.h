#pragma once
// What every llama.cpp user in mop shares (the LM layer, the GGUF sentence encoder): one backend
// initialisation with mop's log filter, and a stable identity of a model file for caches.
#include <cstddef>
#include <filesystem>
#include <string>

namespace mop::lm {

// Installs mop's log callback and calls llama_backend_init() once per process. verbose = true
// (from any caller) passes llama.cpp's whole log through from then on; otherwise only errors.
void init_llama_backend(bool verbose);

// "<file name>:<size in bytes>:<FNV-1a of the first head_bytes, 16 hex>": cheap to compute on
// multi-GiB files, and changes with the header, vocabulary and first weights.
std::string model_file_identity(const std::filesystem::path& path, std::size_t head_bytes);

}  // namespace mop::lm
