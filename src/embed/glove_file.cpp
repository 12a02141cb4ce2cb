#include "embed/glove_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <functional>
#include <ostream>
#include <utility>

#include "mop/error.h"
#include "mop/util/atomic_file.h"
#include "util/fnv1a.h"
#include "util/sha256.h"

namespace mop::embed::detail {

static_assert(std::endian::native == std::endian::little, "the GloVe file format is little-endian");

namespace {

constexpr std::uint64_t align_up(std::uint64_t x, std::uint64_t a) { return (x + a - 1) / a * a; }

// Sections in order; pos values follow from the counts alone, so the reader can recompute them.
struct Sections {
  std::uint64_t offsets_pos, pool_pos, table_pos, vectors_pos, file_bytes;
};

Sections layout(std::uint64_t n, std::uint64_t pool_bytes, std::uint64_t slots, std::uint64_t dim) {
  Sections s{};
  s.offsets_pos = sizeof(GloveHeader);
  s.pool_pos = s.offsets_pos + 8 * (n + 1);
  s.table_pos = align_up(s.pool_pos + pool_bytes, 4);
  s.vectors_pos = align_up(s.table_pos + 4 * slots, 64);
  s.file_bytes = s.vectors_pos + 4 * n * dim;
  return s;
}

std::uint64_t table_slots_for(std::uint64_t n) { return std::bit_ceil(2 * n + 1); }

}  // namespace

GloveFile GloveFile::open(const std::filesystem::path& path) {
  GloveFile f;
  f.path_ = path;
  const auto bad = [&](const std::string& why) {
    return Error("GloVe file " + path.string() + " is damaged (" + why + "); delete it and mop converts it again");
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("cannot open GloVe file " + path.string() + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size < static_cast<off_t>(sizeof(GloveHeader))) {
    ::close(fd);
    throw bad("shorter than its header");
  }
  f.bytes_ = static_cast<std::size_t>(st.st_size);
  void* p = ::mmap(nullptr, f.bytes_, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) throw Error("cannot map GloVe file " + path.string() + ": " + std::strerror(errno));
  f.base_ = static_cast<const std::uint8_t*>(p);
  f.header_ = reinterpret_cast<const GloveHeader*>(f.base_);

  const GloveHeader& h = *f.header_;
  if (std::memcmp(h.magic, kGloveMagic, sizeof kGloveMagic) != 0) throw bad("not a mop GloVe file: bad magic");
  if (h.version != kGloveVersion) {
    throw bad("format version " + std::to_string(h.version) + ", this mop reads " + std::to_string(kGloveVersion));
  }
  if (h.dim == 0 || h.dim > 65536 || h.n_words == 0 || h.n_words >= kEmptySlot) throw bad("impossible counts");
  if (h.table_slots != table_slots_for(h.n_words)) throw bad("wrong table size");
  const Sections s = layout(h.n_words, h.pool_bytes, h.table_slots, h.dim);
  if (h.offsets_pos != s.offsets_pos || h.pool_pos != s.pool_pos || h.table_pos != s.table_pos ||
      h.vectors_pos != s.vectors_pos || h.file_bytes != s.file_bytes) {
    throw bad("inconsistent section positions");
  }
  if (h.file_bytes != f.bytes_) {
    throw bad("size " + std::to_string(f.bytes_) + " bytes, header says " + std::to_string(h.file_bytes));
  }
  f.n_ = h.n_words;
  f.dim_ = static_cast<int>(h.dim);
  f.slots_ = h.table_slots;
  f.offsets_ = reinterpret_cast<const std::uint64_t*>(f.base_ + h.offsets_pos);
  f.pool_ = reinterpret_cast<const char*>(f.base_ + h.pool_pos);
  f.table_ = reinterpret_cast<const std::uint32_t*>(f.base_ + h.table_pos);
  f.vectors_ = reinterpret_cast<const float*>(f.base_ + h.vectors_pos);
  // Offsets are trusted by word(); checking them here keeps a damaged file from reading out of bounds.
  if (f.offsets_[0] != 0 || f.offsets_[f.n_] != h.pool_bytes) throw bad("string pool bounds");
  for (std::size_t i = 0; i < f.n_; ++i) {
    if (f.offsets_[i + 1] <= f.offsets_[i]) throw bad("empty or unordered word at index " + std::to_string(i));
  }
  return f;
}

GloveFile::GloveFile(GloveFile&& o) noexcept { *this = std::move(o); }

GloveFile& GloveFile::operator=(GloveFile&& o) noexcept {
  if (this != &o) {
    release();
    path_ = std::move(o.path_);
    base_ = std::exchange(o.base_, nullptr);
    bytes_ = std::exchange(o.bytes_, 0);
    header_ = o.header_;
    offsets_ = o.offsets_;
    pool_ = o.pool_;
    table_ = o.table_;
    vectors_ = o.vectors_;
    n_ = o.n_;
    slots_ = o.slots_;
    dim_ = o.dim_;
  }
  return *this;
}

GloveFile::~GloveFile() { release(); }

void GloveFile::release() {
  if (base_ != nullptr) ::munmap(const_cast<std::uint8_t*>(base_), bytes_);
  base_ = nullptr;
}

std::string_view GloveFile::word(std::size_t i) const {
  return {pool_ + offsets_[i], static_cast<std::size_t>(offsets_[i + 1] - offsets_[i])};
}

std::optional<std::uint32_t> GloveFile::find(std::string_view w) const {
  const std::size_t mask = slots_ - 1;
  std::size_t slot = util::fnv1a64(w) & mask;
  for (std::size_t probes = 0; probes < slots_; ++probes, slot = (slot + 1) & mask) {
    const std::uint32_t idx = table_[slot];
    if (idx == kEmptySlot) return std::nullopt;
    if (idx < n_ && word(idx) == w) return idx;
  }
  return std::nullopt;  // only a damaged table has no empty slot
}

std::string GloveFile::checksum_hex() const { return util::to_hex(header_->payload_sha256, 32); }

void GloveFile::verify_checksum() const {
  util::Sha256 s;
  s.update(base_ + sizeof(GloveHeader), bytes_ - sizeof(GloveHeader));
  const util::Digest d = s.finish();
  if (std::memcmp(d.data(), header_->payload_sha256, 32) != 0) {
    throw Error("GloVe file " + path_.string() + " is damaged (checksum mismatch); delete it and mop converts it again");
  }
}

void write_glove_file(const std::filesystem::path& path, const std::vector<std::string>& words,
                      const std::vector<float>& vectors, int dim) {
  const std::uint64_t n = words.size();
  if (n == 0 || dim <= 0 || vectors.size() != n * static_cast<std::uint64_t>(dim)) {
    throw Error("cannot write GloVe file " + path.string() + ": " + std::to_string(n) + " words, " +
                std::to_string(vectors.size()) + " floats, dim " + std::to_string(dim));
  }
  std::vector<std::uint64_t> offsets(n + 1, 0);
  std::string pool;
  for (std::uint64_t i = 0; i < n; ++i) {
    if (words[i].empty()) throw Error("cannot write GloVe file: empty word at index " + std::to_string(i));
    pool += words[i];
    offsets[i + 1] = pool.size();
  }
  const std::uint64_t slots = table_slots_for(n);
  std::vector<std::uint32_t> table(slots, kEmptySlot);
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint64_t slot = util::fnv1a64(words[i]) & (slots - 1);
    while (table[slot] != kEmptySlot) {
      if (words[table[slot]] == words[i]) throw Error("cannot write GloVe file: duplicate word '" + words[i] + "'");
      slot = (slot + 1) & (slots - 1);
    }
    table[slot] = static_cast<std::uint32_t>(i);
  }
  const Sections s = layout(n, pool.size(), slots, dim);

  // The payload is emitted twice through the same function: once to hash it, once to write it.
  const auto emit = [&](const std::function<void(const void*, std::size_t)>& out) {
    std::uint64_t at = s.offsets_pos;
    const auto put = [&](const void* p, std::size_t size) { out(p, size); at += size; };
    const auto pad_to = [&](std::uint64_t pos) {
      static const char zeros[64] = {};
      while (at < pos) put(zeros, static_cast<std::size_t>(std::min<std::uint64_t>(64, pos - at)));
    };
    put(offsets.data(), offsets.size() * 8);
    put(pool.data(), pool.size());
    pad_to(s.table_pos);
    put(table.data(), table.size() * 4);
    pad_to(s.vectors_pos);
    put(vectors.data(), vectors.size() * 4);
  };
  GloveHeader h{};
  std::memcpy(h.magic, kGloveMagic, sizeof kGloveMagic);
  h.version = kGloveVersion;
  h.dim = static_cast<std::uint32_t>(dim);
  h.n_words = n;
  h.table_slots = slots;
  h.offsets_pos = s.offsets_pos;
  h.pool_pos = s.pool_pos;
  h.pool_bytes = pool.size();
  h.table_pos = s.table_pos;
  h.vectors_pos = s.vectors_pos;
  h.file_bytes = s.file_bytes;
  util::Sha256 sha;
  emit([&](const void* p, std::size_t size) { sha.update(p, size); });
  const util::Digest d = sha.finish();
  std::memcpy(h.payload_sha256, d.data(), d.size());

  util::write_file_atomic(path, [&](std::ostream& os) {
    os.write(reinterpret_cast<const char*>(&h), sizeof h);
    emit([&](const void* p, std::size_t size) { os.write(static_cast<const char*>(p), static_cast<std::streamsize>(size)); });
  });
}

}  // namespace mop::embed::detail
