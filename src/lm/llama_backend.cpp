#include "lm/llama_backend.h"

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <string_view>
#include <vector>

#include "llama.h"
#include "lm/backend_modules.h"
#include "util/fnv1a.h"

namespace mop::lm {
namespace {

std::atomic<bool> g_verbose{false};

// llama.cpp talks a lot; keep its errors unless the user asks for everything.
void log_callback(ggml_log_level level, const char* text, void*) {
  if (g_verbose || level == GGML_LOG_LEVEL_ERROR) std::fputs(text, stderr);
}

}  // namespace

void init_llama_backend(bool verbose) {
  static std::once_flag logs, backend;
  if (verbose) g_verbose = true;
  std::call_once(logs, [] { llama_log_set(log_callback, nullptr); });  // before modules log anything
  load_backend_modules();  // portable builds: the CPU variant for this CPU, GPU modules
  std::call_once(backend, [] { llama_backend_init(); });
}

std::string model_file_identity(const std::filesystem::path& path, std::size_t head_bytes) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> head(head_bytes);
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  // Model ids were first written with this offset basis (FNV's own with its last digit lost); they
  // key score and embedding caches and resumable jobs, so it must never change.
  constexpr uint64_t kModelIdBasis = 1469598103934665603ull;
  const uint64_t h = util::fnv1a64(std::string_view(head.data(), static_cast<std::size_t>(in.gcount())), kModelIdBasis);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return path.filename().string() + ":" + std::to_string(std::filesystem::file_size(path)) + ":" + hex;
}

}  // namespace mop::lm
