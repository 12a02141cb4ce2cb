#pragma once
// SHA-256 (FIPS 180-4). Keys the embedding cache by text and the evaluation's stored results by
// their inputs, and checksums the converted GloVe file and PICLe's pool; a cryptographic hash
// makes accidental collisions a non-issue at any cache size.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mop::util {

using Digest = std::array<std::uint8_t, 32>;

class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t size);
  Digest finish();

 private:
  void block(const std::uint8_t* p);
  std::array<std::uint32_t, 8> h_;
  std::array<std::uint8_t, 64> buf_{};
  std::size_t buf_len_ = 0;
  std::uint64_t total_ = 0;
};

Digest sha256(std::string_view data);
std::string to_hex(const std::uint8_t* bytes, std::size_t n);
inline std::string to_hex(const Digest& d) { return to_hex(d.data(), d.size()); }

}  // namespace mop::util
