#pragma once
// Helpers shared by the fuzz targets: the parsers under test that take a path get the input
// through a per-process temporary file (in /dev/shm when present, so no disk writes per run).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace mop::fuzz {

inline std::filesystem::path temp_path(std::string_view ext) {
  const std::filesystem::path dir = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
  return dir / ("mop_fuzz_" + std::to_string(::getpid()) + std::string(ext));
}

inline void write_file(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// LLVMFuzzerInitialize of targets that can write their own valid seeds with mop's writers:
// with MOP_FUZZ_WRITE_SEEDS=DIR the target writes them there and exits (fuzz/make_seeds.sh).
inline int write_seeds_if_asked(void (*write_seeds)(const std::filesystem::path&)) {
  if (const char* dir = std::getenv("MOP_FUZZ_WRITE_SEEDS")) {
    write_seeds(dir);
    std::exit(0);
  }
  return 0;
}

inline std::string_view as_view(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace mop::fuzz
