// .npy reader (util::read_npy): header dict parsing, shapes, dtypes, data sizes, NaN checks.
// MOP_FUZZ_WRITE_SEEDS=DIR writes valid seeds (made by write_npy, plus hand-made '<f8' and
// version 2.0 headers) and exits.
#include <cstdlib>

#include "fuzz_util.h"
#include "mop/error.h"
#include "mop/util/npy.h"

namespace {

// A .npy file with the given version and dict, padded as the format requires, then data.
std::string npy(int major, const std::string& dict, const std::string& data) {
  const size_t len_bytes = major == 1 ? 2 : 4;
  std::string header = dict;
  while ((10 + len_bytes - 2 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += char(major);
  out += char(0);
  for (size_t i = 0; i < len_bytes; ++i) out += char((header.size() >> (8 * i)) & 0xff);
  return out + header + data;
}

void write_seeds(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  mop::util::NpyMatrix m(2, 3);
  m << 1, 2, 3, 4, 5, 6;
  mop::util::write_npy(dir / "f4.npy", m);
  const double d[2] = {0.5, -1.0};
  mop::fuzz::write_file(dir / "f8.npy", npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }",
                                            std::string(reinterpret_cast<const char*>(d), sizeof d)));
  mop::fuzz::write_file(dir / "v2.npy", npy(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4), }", ""));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) { return mop::fuzz::write_seeds_if_asked(write_seeds); }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto path = mop::fuzz::temp_path(".npy");
  mop::fuzz::write_file(path, mop::fuzz::as_view(data, size));
  try {
    (void)mop::util::read_npy(path);
  } catch (const mop::Error&) {
  }
  return 0;
}
