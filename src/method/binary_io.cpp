#include "method/binary_io.h"

#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "mop/error.h"
#include "mop/util/atomic_file.h"
#include "util/fnv1a.h"

namespace mop::method::detail {

void ByteWriter::u32(uint32_t v) {
  for (int i = 0; i < 4; ++i) buf_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void ByteWriter::u64(uint64_t v) {
  for (int i = 0; i < 8; ++i) buf_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void ByteWriter::f64(double v) { u64(std::bit_cast<uint64_t>(v)); }

void ByteWriter::f64s(const double* v, size_t n) {
  buf_.reserve(buf_.size() + 8 * n);
  for (size_t i = 0; i < n; ++i) f64(v[i]);
}

void ByteReader::fail(const std::string& why) const { throw Error(context_ + ": " + why); }

void ByteReader::need(uint64_t n, std::string_view what) const {
  if (n > data_.size() - pos_)
    fail("truncated or corrupted: " + std::string(what) + " needs " + std::to_string(n) + " bytes, " +
         std::to_string(data_.size() - pos_) + " left");
}

uint32_t ByteReader::u32() {
  need(4, "a 32-bit field");
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t(static_cast<unsigned char>(data_[pos_ + i])) << (8 * i);
  pos_ += 4;
  return v;
}

uint64_t ByteReader::u64() {
  need(8, "a 64-bit field");
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t(static_cast<unsigned char>(data_[pos_ + i])) << (8 * i);
  pos_ += 8;
  return v;
}

double ByteReader::f64() { return std::bit_cast<double>(u64()); }

void ByteReader::f64s(double* out, size_t n) {
  need(8 * uint64_t(n), "an array");
  for (size_t i = 0; i < n; ++i) out[i] = f64();
}

std::string ByteReader::bytes(size_t n) {
  need(n, "a byte string");
  std::string s(data_.substr(pos_, n));
  pos_ += n;
  return s;
}

void ByteReader::expect_end() const {
  if (pos_ != data_.size())
    fail("corrupted: " + std::to_string(data_.size() - pos_) + " unexpected bytes after the data");
}

void write_framed(const std::filesystem::path& path, std::string_view magic, uint32_t version,
                  std::string_view payload) {
  ByteWriter w;
  w.bytes(magic);
  w.u32(version);
  w.bytes(payload);
  const uint64_t sum = util::fnv1a64(w.data());
  w.u64(sum);
  util::write_file_atomic(path, w.data());
}

std::string read_framed(const std::filesystem::path& path, std::string_view magic, uint32_t version,
                        std::string_view kind) {
  const std::string where = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + where + ": " + std::strerror(errno));
  // Check the magic before reading the rest, so a wrong (possibly huge) file is rejected at once.
  std::string head(magic.size(), '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  if (head != magic.substr(0, head.size()))
    throw Error(where + ": not a mop " + std::string(kind) + " file (bad magic)");
  std::string data = head;
  data.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error("cannot read " + where + ": read error");
  const size_t frame = magic.size() + 4 + 8;
  if (data.size() < frame)
    throw Error(where + ": truncated " + std::string(kind) + " file (" + std::to_string(data.size()) + " bytes)");

  ByteReader header(std::string_view(data).substr(magic.size(), 4), where);
  const uint32_t got = header.u32();
  if (got != version)
    throw Error(where + ": unsupported " + std::string(kind) + " file version " + std::to_string(got) +
                " (this build reads version " + std::to_string(version) + ")");
  const std::string_view body(data.data(), data.size() - 8);
  ByteReader tail(std::string_view(data).substr(data.size() - 8), where);
  if (tail.u64() != util::fnv1a64(body))
    throw Error(where + ": checksum mismatch: the " + std::string(kind) + " file is truncated or corrupted");
  return std::string(body.substr(magic.size() + 4));
}

}  // namespace mop::method::detail
