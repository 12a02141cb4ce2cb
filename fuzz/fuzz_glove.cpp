// GloVe word vectors: the converted, mmapped file (GloveFile::open, then lookups and word access
// over every index, and the payload checksum), or the wink JSON it is converted from
// (convert_wink_json, then the result opened). Byte 0 bit 0 picks which; the rest is the file.
// MOP_FUZZ_WRITE_SEEDS=DIR writes a valid converted file and two small wink JSON files, and exits.
#include <cstdlib>

#include "embed/glove_file.h"
#include "fuzz_util.h"
#include "mop/error.h"

namespace {

void write_seeds(const std::filesystem::path& dir) {
  using namespace mop::embed::detail;
  std::filesystem::create_directories(dir);
  const auto tmp = mop::fuzz::temp_path(".seed");
  write_glove_file(tmp, {"the", ",", "film", "caf\xc3\xa9"}, {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f}, 2);
  std::ifstream in(tmp, std::ios::binary);
  const std::string file((std::istreambuf_iterator<char>(in)), {});
  mop::fuzz::write_file(dir / "converted", std::string(1, '\0') + file);
  std::filesystem::remove(tmp);
  mop::fuzz::write_file(dir / "wink.json",
                        "\x01{\"precision\":8,\"l2NormIndex\":2,\"wordIndex\":3,\"size\":2,\"dimensions\":2,"
                        "\"words\":[\"good\",\"bad\"],\"vectors\":{\"good\":[0.1,0.2,0.22,0],\"bad\":[0.3,0.2,1,1]}}");
  mop::fuzz::write_file(dir / "wink_unk.json",
                        "\x01{\"precision\":8,\"l2NormIndex\":1,\"wordIndex\":2,\"dimensions\":1,\"unkVector\":[0],"
                        "\"words\":[\"a\"],\"vectors\":{\"a\":[-1e-3,1,0]}}");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) { return mop::fuzz::write_seeds_if_asked(write_seeds); }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  using namespace mop::embed::detail;
  static const auto bin = mop::fuzz::temp_path(".bin");
  static const auto json = mop::fuzz::temp_path(".json");
  const auto body = mop::fuzz::as_view(data + 1, size - 1);
  try {
    if (data[0] & 1) {
      mop::fuzz::write_file(json, body);
      std::filesystem::remove(bin);
      convert_wink_json(json, bin);
    } else {
      mop::fuzz::write_file(bin, body);
    }
    const GloveFile f = GloveFile::open(bin);
    for (std::size_t i = 0; i < f.size(); ++i) {
      const auto w = f.word(i);
      const auto found = f.find(w);
      // Words are distinct, so each is found at its own index (or the file is damaged: then
      // find may point elsewhere, but always at a valid index).
      if (found && *found >= f.size()) __builtin_trap();
      (void)f.vector(i)[f.dim() - 1];
    }
    for (const char* probe : {"the", "", "x", "caf\xc3\xa9"}) {
      const auto found = f.find(probe);
      if (found && *found >= f.size()) __builtin_trap();
    }
    f.verify_checksum();
  } catch (const mop::Error&) {
  }
  return 0;
}
