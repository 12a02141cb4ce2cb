#pragma once
// How many KV cells the llama.cpp backend gives its context when --ctx is left to mop: enough for
// the sequences --parallel puts in flight at the work's longest length, within a memory limit.
// The figures here are estimates from the model's shape; llama.cpp allocates the cells itself.
#include <cstddef>
#include <cstdint>
#include <string>

#include "llama.h"

namespace mop::lm {

// Bytes one KV cell costs: K and V (F16) of every layer's KV heads, plus the F16 attention-mask
// column llama.cpp's compute buffer keeps per cell for each token of a micro-batch.
int64_t kv_bytes_per_cell(const llama_model* model, int n_ubatch);

// The memory the KV cache may take when the user gives no --kv-memory: half the free memory of
// the first GPU when layers are offloaded to one, else a quarter of this machine's memory.
// `where` says which, for the log line.
int64_t default_kv_memory(int n_gpu_layers, std::string* where);

// Context cells for work that needs `cells` cells at once; growing
// from `current`, at least by half again (so a run whose lengths creep up does not rebuild the
// context every call), rounded up to llama.cpp's 256-cell padding, at most `limit`.
int cells_for_work(size_t cells, int current, int limit);

// "1.5 GiB", "640 KiB": sizes for log lines.
std::string format_bytes(int64_t bytes);

}  // namespace mop::lm
