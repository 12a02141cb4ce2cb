#pragma once
// mop::embed::CachedEncoder — an on-disk embedding cache around any Encoder, so no text is encoded
// twice across commands. Vectors are keyed by (encoder id, SHA-256 of the text's UTF-8 bytes) in
// one SQLite file (WAL mode, busy timeout), which several processes may read and fill at once.
// A changed encoder (other model, settings or fitted component) has another id, hence other keys.
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "mop/embed.h"

struct sqlite3;

namespace mop::embed {

// mop's cache folder: $MOP_CACHE_DIR, else $XDG_CACHE_HOME/mop, else $HOME/.cache/mop.
// (scripts/fetch_*.sh use the same rule.) Throws mop::Error if none of these is set.
std::filesystem::path default_cache_dir();

struct CacheStats {
  std::size_t hits = 0;    // texts answered from the cache (or repeated within one call)
  std::size_t misses = 0;  // distinct texts the wrapped encoder had to encode
};

class CachedEncoder final : public Encoder {
 public:
  // Opens the cache at `db_path` (created with its folder if missing). Throws mop::Error if the
  // file cannot be opened or is not a mop embedding cache.
  CachedEncoder(std::shared_ptr<Encoder> inner, const std::filesystem::path& db_path = default_path());
  ~CachedEncoder() override;
  CachedEncoder(const CachedEncoder&) = delete;
  CachedEncoder& operator=(const CachedEncoder&) = delete;

  // <cache dir>/embeddings.sqlite
  static std::filesystem::path default_path();

  std::string id() const override { return inner_->id(); }
  int dim() const override { return inner_->dim(); }
  // Looks every text up under the wrapped encoder's current id; encodes the missing ones in chunks
  // of `chunk_size` texts, storing each chunk as soon as it is done (an interrupted run keeps them).
  Matrix encode(const std::vector<std::string>& texts) override;
  bool fits_corpus() const override { return inner_->fits_corpus(); }
  void fit_corpus(const std::vector<std::string>& texts) override { inner_->fit_corpus(texts); }
  void save_state(const std::filesystem::path& path) const override { inner_->save_state(path); }
  void load_state(const std::filesystem::path& path) override { inner_->load_state(path); }

  // Since construction or the last reset_stats().
  const CacheStats& stats() const { return stats_; }
  void reset_stats() { stats_ = {}; }
  Encoder& inner() const { return *inner_; }
  std::size_t chunk_size = 4096;

 private:
  void exec(const char* sql);
  void switch_to_wal();

  std::shared_ptr<Encoder> inner_;
  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
  CacheStats stats_;
};

}  // namespace mop::embed
