#include "lm/cpu_kernels.h"

#include <atomic>

#include "ggml-backend.h"
#include "ggml.h"
#include "mop/lm_llama.h"

namespace mop::lm {
namespace {

thread_local CpuKernels t_kernels = CpuKernels::invariant;
std::atomic<std::size_t> g_reference_backends{0};

}  // namespace

CpuKernelsScope::CpuKernelsScope(CpuKernels kernels) : previous_(t_kernels) { t_kernels = kernels; }
CpuKernelsScope::~CpuKernelsScope() { t_kernels = previous_; }

CpuKernels current_cpu_kernels() { return t_kernels; }

std::size_t cpu_backends_with_reference_kernels() { return g_reference_backends.load(); }

std::string cpu_backend_description() {
  std::string out = std::string("ggml ") + ggml_version() + " (" + ggml_commit() + "), CPU:";
  // The CPU backend's own list (what it was compiled for), as ggml's loader reads it: the same
  // call whether the backend is linked in or a loaded module.
  ggml_backend_dev_t dev = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
  if (!dev) return out + " (no CPU backend)";
  ggml_backend_reg_t reg = ggml_backend_dev_backend_reg(dev);
  auto get_features = reinterpret_cast<ggml_backend_get_features_t>(ggml_backend_reg_get_proc_address(reg, "ggml_backend_get_features"));
  if (!get_features) return out + " (features not reported)";
  for (const ggml_backend_feature* f = get_features(reg); f && f->name; ++f)
    out += std::string(" ") + f->name + (std::string(f->value) == "1" ? "" : "=" + std::string(f->value));
  return out;
}

}  // namespace mop::lm

// Linked with --wrap=ggml_backend_init_by_type (CMakeLists.txt): every call from llama.cpp lands
// here, and __real_ggml_backend_init_by_type is ggml's own function.
extern "C" ggml_backend_t __real_ggml_backend_init_by_type(enum ggml_backend_dev_type type, const char* params);

extern "C" ggml_backend_t __wrap_ggml_backend_init_by_type(enum ggml_backend_dev_type type, const char* params) {
  ggml_backend_t backend = __real_ggml_backend_init_by_type(type, params);
  if (backend == nullptr || type != GGML_BACKEND_DEVICE_TYPE_CPU || mop::lm::t_kernels != mop::lm::CpuKernels::invariant)
    return backend;
  // Looked up by name, as llama.cpp's own test-backend-ops does: the same code works when the CPU
  // backend is a loadable module.
  ggml_backend_reg_t reg = ggml_backend_dev_backend_reg(ggml_backend_get_device(backend));
  using SetUseRef = void (*)(ggml_backend_t, bool);
  if (auto set_use_ref = reinterpret_cast<SetUseRef>(ggml_backend_reg_get_proc_address(reg, "ggml_backend_cpu_set_use_ref"))) {
    set_use_ref(backend, true);
    mop::lm::g_reference_backends.fetch_add(1);
  }
  return backend;
}
