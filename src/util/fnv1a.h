#pragma once
// FNV-1a 64: a fast non-cryptographic hash. Frames the gate and checkpoint files (a checksum
// against truncation and bit rot, not tampering) and places words in the converted GloVe file's
// lookup table. Both are stored on disk, so the function must never change.
#include <cstdint>
#include <string_view>

namespace mop::util {

constexpr std::uint64_t kFnv1a64Basis = 0xcbf29ce484222325ULL;

// `basis`: FNV's offset basis, except where a stored value was first made with another (model ids).
constexpr std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t basis = kFnv1a64Basis) {
  std::uint64_t h = basis;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace mop::util
