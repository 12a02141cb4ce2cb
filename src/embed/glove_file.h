#pragma once
// The converted GloVe file: vocabulary, a lookup table and float32 vectors in one file that is
// mmapped, so opening it costs milliseconds and only the pages a text touches are read.
//
// Layout (little-endian; every section starts where the header says):
//   GloveHeader                128 bytes
//   u64 offsets[n + 1]         byte offset of word i in the string pool; offsets[n] = pool size
//   char pool[]                the words, UTF-8, back to back
//   u32 table[slots]           open addressing (FNV-1a 64, linear probing): word index or kEmpty
//   f32 vectors[n][dim]        64-byte aligned; row i is word i; words are in frequency order
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mop::embed::detail {

inline constexpr char kGloveMagic[8] = {'M', 'O', 'P', 'G', 'L', 'O', 'V', 'E'};
inline constexpr std::uint32_t kGloveVersion = 1;
inline constexpr std::uint32_t kEmptySlot = 0xffffffffu;

struct GloveHeader {
  char magic[8];
  std::uint32_t version;
  std::uint32_t dim;
  std::uint64_t n_words;
  std::uint64_t table_slots;
  std::uint64_t offsets_pos;
  std::uint64_t pool_pos;
  std::uint64_t pool_bytes;
  std::uint64_t table_pos;
  std::uint64_t vectors_pos;
  std::uint64_t file_bytes;
  std::uint8_t payload_sha256[32];  // of bytes [sizeof(GloveHeader), file_bytes)
  std::uint8_t reserved[16];
};
static_assert(sizeof(GloveHeader) == 128);

// A read-only view of a converted file. Opening checks the header and the section bounds (cheap);
// verify_checksum() re-hashes the payload (about half a second for GloVe 100-d).
class GloveFile {
 public:
  static GloveFile open(const std::filesystem::path& path);
  GloveFile(GloveFile&& other) noexcept;
  GloveFile& operator=(GloveFile&& other) noexcept;
  GloveFile(const GloveFile&) = delete;
  GloveFile& operator=(const GloveFile&) = delete;
  ~GloveFile();

  std::size_t size() const { return n_; }
  int dim() const { return dim_; }
  std::string_view word(std::size_t i) const;
  std::optional<std::uint32_t> find(std::string_view word) const;
  const float* vector(std::size_t i) const { return vectors_ + i * static_cast<std::size_t>(dim_); }
  std::string checksum_hex() const;  // the payload SHA-256 stored in the header
  void verify_checksum() const;      // throws mop::Error if the payload does not match it
  const std::filesystem::path& path() const { return path_; }

 private:
  GloveFile() = default;
  void release();

  std::filesystem::path path_;
  const std::uint8_t* base_ = nullptr;
  std::size_t bytes_ = 0;
  const GloveHeader* header_ = nullptr;
  const std::uint64_t* offsets_ = nullptr;
  const char* pool_ = nullptr;
  const std::uint32_t* table_ = nullptr;
  const float* vectors_ = nullptr;
  std::size_t n_ = 0;
  std::size_t slots_ = 0;
  int dim_ = 0;
};

// Writes a converted file atomically. `words` are distinct, in frequency order; `vectors` holds
// words.size() rows of `dim` floats.
void write_glove_file(const std::filesystem::path& path, const std::vector<std::string>& words,
                      const std::vector<float>& vectors, int dim);

// Converts wink-embeddings JSON (keys precision, l2NormIndex, wordIndex, size, dimensions, words,
// then vectors: {word: [dim floats, l2 norm, word index]}) into a converted file at `out`.
void convert_wink_json(const std::filesystem::path& json, const std::filesystem::path& out);

}  // namespace mop::embed::detail
