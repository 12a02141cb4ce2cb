#include "lm/cpu_kernels.h"

#include <atomic>

#include "ggml-backend.h"
#include "ggml.h"
#include "lm/backend_modules.h"
#include "lm/llama_backend.h"
#include "mop/lm_llama.h"

#ifdef MOP_LLAMA_SHARED
#include <dlfcn.h>
#endif

namespace mop::lm {
namespace {

thread_local CpuKernels t_kernels = CpuKernels::invariant;
std::atomic<std::size_t> g_reference_backends{0};

}  // namespace

CpuKernelsScope::CpuKernelsScope(CpuKernels kernels) : previous_(t_kernels) { t_kernels = kernels; }
CpuKernelsScope::~CpuKernelsScope() { t_kernels = previous_; }

std::size_t cpu_backends_with_reference_kernels() { return g_reference_backends.load(); }

std::string cpu_backend_description() {
  init_llama_backend(false);
  const std::string variant = loaded_cpu_variant();
  std::string out = std::string("ggml ") + ggml_version() + " (" + ggml_commit() + "), CPU " +
                    (variant.empty() ? "backend linked in" : "variant " + variant + " of the portable build") + ":";
  // The CPU backend's own list (what it was compiled for), as ggml's loader reads it: the same
  // call whether the backend is linked in or a loaded module.
  ggml_backend_dev_t dev = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
  if (!dev) return out + " (no CPU backend)";
  ggml_backend_reg_t reg = ggml_backend_dev_backend_reg(dev);
  auto get_features = reinterpret_cast<ggml_backend_get_features_t>(ggml_backend_reg_get_proc_address(reg, "ggml_backend_get_features"));
  if (!get_features) return out + " (features not reported)";
  for (const ggml_backend_feature* f = get_features(reg); f && f->name; ++f)
    out += std::string(" ") + f->name + (std::string(f->value) == "1" ? "" : "=" + std::string(f->value));
  for (size_t i = 0; i < ggml_backend_dev_count(); ++i) {
    ggml_backend_dev_t d = ggml_backend_dev_get(i);
    if (ggml_backend_dev_type(d) == GGML_BACKEND_DEVICE_TYPE_GPU) out += std::string("\nGPU: ") + ggml_backend_dev_description(d);
  }
  if (const std::string skipped = skipped_backend_modules(); !skipped.empty()) out += "\nnot loaded: " + skipped.substr(0, skipped.size() - 1);
  return out;
}

}  // namespace mop::lm

namespace {

// Turns the reference kernels on for a new CPU backend when the calling thread asks for them.
ggml_backend_t choose_kernels(ggml_backend_t backend, enum ggml_backend_dev_type type) {
  if (backend == nullptr || type != GGML_BACKEND_DEVICE_TYPE_CPU || mop::lm::t_kernels != mop::lm::CpuKernels::invariant)
    return backend;
  // Looked up by name, as llama.cpp's own test-backend-ops does: the same code works when the CPU
  // backend is a loaded module.
  ggml_backend_reg_t reg = ggml_backend_dev_backend_reg(ggml_backend_get_device(backend));
  using SetUseRef = void (*)(ggml_backend_t, bool);
  if (auto set_use_ref = reinterpret_cast<SetUseRef>(ggml_backend_reg_get_proc_address(reg, "ggml_backend_cpu_set_use_ref"))) {
    set_use_ref(backend, true);
    mop::lm::g_reference_backends.fetch_add(1);
  }
  return backend;
}

}  // namespace

#ifdef MOP_LLAMA_SHARED
// Shared llama.cpp: this definition in the executable is the one libllama.so's call binds to (the
// executable comes first in the dynamic linker's search); ggml's own is the next one.
extern "C" ggml_backend_t ggml_backend_init_by_type(enum ggml_backend_dev_type type, const char* params) {
  using InitFn = ggml_backend_t (*)(enum ggml_backend_dev_type, const char*);
  static const auto real = reinterpret_cast<InitFn>(dlsym(RTLD_NEXT, "ggml_backend_init_by_type"));
  if (!real) return nullptr;
  return choose_kernels(real(type, params), type);
}
#else
// Static llama.cpp, linked with --wrap=ggml_backend_init_by_type (CMakeLists.txt): every call from
// llama.cpp lands here, and __real_ggml_backend_init_by_type is ggml's own function.
extern "C" ggml_backend_t __real_ggml_backend_init_by_type(enum ggml_backend_dev_type type, const char* params);

extern "C" ggml_backend_t __wrap_ggml_backend_init_by_type(enum ggml_backend_dev_type type, const char* params) {
  return choose_kernels(__real_ggml_backend_init_by_type(type, params), type);
}
#endif
