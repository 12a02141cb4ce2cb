#include "lm/kv_cache_size.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "ggml-backend.h"

namespace mop::lm {
namespace {

// An unsigned metadata value of the model's architecture ("llama.attention.key_length"), or -1.
int64_t arch_value(const llama_model* model, const std::string& arch, const char* key) {
  char buf[64];
  if (llama_model_meta_val_str(model, (arch + "." + key).c_str(), buf, sizeof buf) < 0) return -1;
  char* end = nullptr;
  const long long v = std::strtoll(buf, &end, 10);
  return end != buf && v > 0 ? v : -1;
}

}  // namespace

int64_t kv_bytes_per_cell(const llama_model* model, int n_ubatch) {
  char arch[64] = "";
  llama_model_meta_val_str(model, "general.architecture", arch, sizeof arch);
  const int64_t n_head = std::max(1, llama_model_n_head(model));
  const int64_t n_head_kv = std::max(1, llama_model_n_head_kv(model));
  const int64_t head = llama_model_n_embd(model) / n_head;
  int64_t k = arch_value(model, arch, "attention.key_length");
  int64_t v = arch_value(model, arch, "attention.value_length");
  if (k < 0) k = head;
  if (v < 0) v = head;
  const int64_t f16 = 2;
  return llama_model_n_layer(model) * n_head_kv * (k + v) * f16 + static_cast<int64_t>(n_ubatch) * f16;
}

int64_t default_kv_memory(int n_gpu_layers, std::string* where) {
  if (n_gpu_layers != 0) {
    for (size_t i = 0; i < ggml_backend_dev_count(); ++i) {
      ggml_backend_dev_t dev = ggml_backend_dev_get(i);
      if (ggml_backend_dev_type(dev) != GGML_BACKEND_DEVICE_TYPE_GPU) continue;
      size_t free = 0, total = 0;
      ggml_backend_dev_memory(dev, &free, &total);
      if (free == 0) continue;
      if (where) *where = std::string("half the free memory of ") + ggml_backend_dev_name(dev);
      return static_cast<int64_t>(free / 2);
    }
  }
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  if (where) *where = "a quarter of this machine's memory";
  if (pages <= 0 || page <= 0) return int64_t{4} << 30;
  return static_cast<int64_t>(pages) * page / 4;
}

int cells_for_work(size_t cells, int current, int limit) {
  int64_t n = std::max<int64_t>(static_cast<int64_t>(cells), static_cast<int64_t>(current) + current / 2);
  n = (n + 255) / 256 * 256;
  return static_cast<int>(std::min<int64_t>(n, limit));
}

std::string format_bytes(int64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

}  // namespace mop::lm
