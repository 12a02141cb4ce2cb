#pragma once
// Little-endian binary records with a checked frame, for gate files and training checkpoints.
// A file is: magic (8 bytes) | version (u32) | payload | FNV-1a 64 of all bytes before it (u64).
// Reading never trusts a size before checking it against the bytes actually present.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace mop::method::detail {

class ByteWriter {
 public:
  void u32(uint32_t v);
  void u64(uint64_t v);
  void f64(double v);
  void f64s(const double* v, size_t n);
  void bytes(std::string_view b) { buf_.append(b); }
  const std::string& data() const { return buf_; }

 private:
  std::string buf_;
};

// Reads a payload; any overrun throws mop::Error "<context>: truncated ...".
class ByteReader {
 public:
  ByteReader(std::string_view data, std::string context) : data_(data), context_(std::move(context)) {}
  uint32_t u32();
  uint64_t u64();
  double f64();
  void f64s(double* out, size_t n);
  std::string bytes(size_t n);
  // Throws unless at least `n` bytes remain (call before allocating for them).
  void need(uint64_t n, std::string_view what) const;
  // Throws unless the payload has been read exactly.
  void expect_end() const;
  [[noreturn]] void fail(const std::string& why) const;

 private:
  std::string_view data_;
  size_t pos_ = 0;
  std::string context_;
};

// Writes magic | version | payload | checksum atomically to `path`.
void write_framed(const std::filesystem::path& path, std::string_view magic, uint32_t version,
                  std::string_view payload);

// Reads `path` and returns its payload after checking magic, version and checksum. `kind` names
// the file type in errors ("gate", "checkpoint"). Throws mop::Error naming the path.
std::string read_framed(const std::filesystem::path& path, std::string_view magic, uint32_t version,
                        std::string_view kind);

}  // namespace mop::method::detail
