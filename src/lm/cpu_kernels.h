#pragma once
// Which kernels llama.cpp's CPU backend runs for the contexts mop creates.
//
// ggml chooses among CPU kernels by the shape of each call, and each rounds differently: flash
// attention is tiled once a micro-batch holds 64 queries and the head size is a multiple of the
// SIMD width (so on AVX2 but not AVX-512 for an 8-wide head), split over threads for a lone query
// over 512 or more cells, and one query at a time otherwise. A sequence's logits then depend on
// what else shares its batch. ggml's reference switch (ggml_backend_cpu_set_use_ref) always takes
// the one-query-at-a-time kernel, which visits a query's visible cells in cell order and skips the
// rest. llama_context creates its CPU backend through ggml_backend_init_by_type and exposes no
// handle to it, so mop catches that call: the linker's --wrap with static llama.cpp, a definition
// in the executable with shared llama.cpp. docs/numerics.md has the whole story and its cost.
#include <cstddef>

namespace mop::lm {

enum class CpuKernels {
  invariant,  // per-sequence results do not depend on the batch (default)
  fast,       // ggml's own choice: batch-dependent rounding, faster on some shapes
};

// CPU backends created on this thread while the scope lives use `kernels`; outside any scope,
// CpuKernels::invariant. Scopes nest.
class CpuKernelsScope {
 public:
  explicit CpuKernelsScope(CpuKernels kernels);
  ~CpuKernelsScope();
  CpuKernelsScope(const CpuKernelsScope&) = delete;
  CpuKernelsScope& operator=(const CpuKernelsScope&) = delete;

 private:
  CpuKernels previous_;
};

// CPU backends this process has created with the reference kernels on (a check that the hook is
// in place: without it this stays 0).
std::size_t cpu_backends_with_reference_kernels();

}  // namespace mop::lm
