// Gate files and training checkpoints (Gate::load, load_checkpoint). Input: one selector byte,
// then the file body (magic | version | payload). Unless the selector's bit 1 is set the target
// appends the body's correct FNV-1a checksum, so mutations reach the payload parser instead of
// all stopping at the checksum check; with bit 1 set the bytes are written as they are.
// MOP_FUZZ_WRITE_SEEDS=DIR writes valid seeds (made by the library's own writers) and exits.
#include <cstdlib>

#include "fuzz_util.h"
#include "mop/error.h"
#include "mop/gate.h"
#include "util/fnv1a.h"

namespace {

void write_seeds(const std::filesystem::path& dir) {
  using namespace mop::method;
  std::filesystem::create_directories(dir);
  const auto tmp = mop::fuzz::temp_path(".seed");
  GateConfig cfg;
  cfg.dim_proj = 3;
  const Gate gate(4, 2, cfg);
  const Adam adam(gate, AdamConfig{});
  for (int kind = 0; kind < 2; ++kind) {
    if (kind == 0) gate.save(tmp);
    else save_checkpoint(tmp, gate, adam, "epoch=1");
    std::ifstream in(tmp, std::ios::binary);
    std::string file((std::istreambuf_iterator<char>(in)), {});
    file.resize(file.size() - 8);  // the target appends the checksum itself
    mop::fuzz::write_file(dir / (kind == 0 ? "gate" : "checkpoint"), std::string(1, char(kind)) + file);
  }
  std::filesystem::remove(tmp);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) { return mop::fuzz::write_seeds_if_asked(write_seeds); }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const auto path = mop::fuzz::temp_path(".bin");
  std::string file(mop::fuzz::as_view(data + 1, size - 1));
  if (!(data[0] & 2)) {
    const uint64_t sum = mop::util::fnv1a64(file);
    for (int i = 0; i < 8; ++i) file.push_back(static_cast<char>(sum >> (8 * i)));
  }
  mop::fuzz::write_file(path, file);
  try {
    if (data[0] & 1) (void)mop::method::load_checkpoint(path);
    else (void)mop::method::Gate::load(path);
  } catch (const mop::Error&) {
  }
  return 0;
}
