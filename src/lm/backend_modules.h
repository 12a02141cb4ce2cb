#pragma once
// Portable builds (MOP_CPU=portable) carry llama.cpp's backends as loadable modules: one CPU
// backend per x86 instruction set (libggml-cpu-haswell.so, ...) and any GPU backend that was
// built (libggml-cuda.so), in the build's bin/ folder (MOP_BACKEND_DIR names another). This loads them once: the CPU variant with the best score on this
// CPU, or the one MOP_CPU_VARIANT names, and every other module that can be opened (a CUDA
// module without an NVIDIA driver cannot, and is skipped: mop runs on the CPU). Static builds
// link their one backend in, and this does nothing.
#include <string>

namespace mop::lm {

// Throws mop::Error naming the module folder when MOP_CPU_VARIANT names no module or one this
// CPU cannot run, or when no CPU module loads.
void load_backend_modules();

// The CPU variant loaded ("haswell", "skylakex", ...); "" in a static build or before loading.
std::string loaded_cpu_variant();

// One line per module that was found but could not be opened (e.g. "ggml-cuda: libcuda.so.1:
// cannot open shared object file"), for --version and --verbose.
std::string skipped_backend_modules();

}  // namespace mop::lm
