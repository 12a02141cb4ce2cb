// The .txt folder reader (data::load on a directory). The input is split at NUL bytes into files;
// file i goes into sub-folder (i mod k), k = byte 0 mod 4 (0: no sub-folders, so no labels), and
// byte 0 bit 2 turns on skip_bad. Each run starts from an empty folder.
#include <filesystem>

#include "fuzz_util.h"
#include "mop/dataset.h"
#include "mop/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const auto root = mop::fuzz::temp_path("_txt");
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root);
  const unsigned k = data[0] % 4;
  mop::data::LoadOptions opt;
  opt.skip_bad = data[0] & 4;
  const auto body = mop::fuzz::as_view(data + 1, size - 1);
  size_t start = 0;
  for (unsigned i = 0; i < 64 && start <= body.size(); ++i) {
    size_t end = body.find('\0', start);
    if (end == std::string_view::npos) end = body.size();
    auto dir = k == 0 ? root : root / ("label" + std::to_string(i % k));
    std::filesystem::create_directories(dir);
    mop::fuzz::write_file(dir / (std::to_string(i) + ".txt"), body.substr(start, end - start));
    start = end + 1;
  }
  try {
    const auto result = mop::data::load(root, opt);
    for (const auto& r : result.records)
      if (r.text.empty()) __builtin_trap();  // empty texts are errors, never records
  } catch (const mop::Error&) {
  }
  return 0;
}
