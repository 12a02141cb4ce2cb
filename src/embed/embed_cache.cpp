// CachedEncoder: SQLite in WAL mode lets readers and one writer work at once; the busy timeout makes
// concurrent writers wait instead of failing; INSERT OR REPLACE lets two processes store the same text (same id, same vector).
#include <sqlite3.h>

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "mop/embed_cache.h"
#include "mop/error.h"
#include "util/sha256.h"

namespace mop::embed {
namespace {

constexpr int kSchemaVersion = 1;
constexpr int kBusyTimeoutMs = 120000;

class Statement {
 public:
  Statement(sqlite3* db, const char* sql, const std::filesystem::path& path) : path_(path) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      throw Error("embedding cache " + path.string() + ": " + sqlite3_errmsg(db));
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  sqlite3_stmt* get() const { return stmt_; }
  // Runs one step; SQLITE_ROW or SQLITE_DONE, else throws.
  int step() {
    const int rc = sqlite3_step(stmt_);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      throw Error("embedding cache " + path_.string() + ": " + sqlite3_errmsg(sqlite3_db_handle(stmt_)));
    }
    return rc;
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  std::filesystem::path path_;
};

}  // namespace

std::filesystem::path CachedEncoder::default_path() { return default_cache_dir() / "embeddings.sqlite"; }

CachedEncoder::CachedEncoder(std::shared_ptr<Encoder> inner, const std::filesystem::path& db_path)
    : inner_(std::move(inner)), path_(db_path) {
  if (!inner_) throw std::invalid_argument("CachedEncoder: no encoder");
  std::error_code ec;
  if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path(), ec);
  if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    const std::string why = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw Error("cannot open embedding cache " + path_.string() + ": " + why);
  }
  try {
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    switch_to_wal();
    exec("PRAGMA synchronous=NORMAL");
    exec("BEGIN IMMEDIATE");
    Statement version(db_, "PRAGMA user_version", path_);
    version.step();
    const int found = sqlite3_column_int(version.get(), 0);
    if (found > kSchemaVersion) {
      throw Error("embedding cache " + path_.string() + " was made by a newer mop (schema " + std::to_string(found) + ")");
    }
    exec("CREATE TABLE IF NOT EXISTS embeddings (encoder TEXT NOT NULL, text_sha256 BLOB NOT NULL, "
         "vector BLOB NOT NULL, PRIMARY KEY (encoder, text_sha256)) WITHOUT ROWID");
    exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
    exec("COMMIT");
  } catch (const std::exception& e) {
    sqlite3_close(db_);
    db_ = nullptr;
    // "file is not a database" and friends are the user's to fix: name the file.
    const std::string what = e.what();
    throw Error(what.rfind("embedding cache", 0) == 0 ? what : "embedding cache " + path_.string() + ": " + what);
  }
}

CachedEncoder::~CachedEncoder() { sqlite3_close(db_); }

// Switching a new file to WAL needs an exclusive lock, and SQLite answers SQLITE_BUSY at once,
// without the busy handler, when another process is switching or recovering the same file at that
// moment (seen with several processes opening a fresh cache together). So retry, within the
// busy timeout, with short sleeps.
void CachedEncoder::switch_to_wal() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  for (int attempt = 0;; ++attempt) {
    char* msg = nullptr;
    const int rc = sqlite3_exec(db_, "PRAGMA journal_mode=WAL", nullptr, nullptr, &msg);
    sqlite3_free(msg);
    if (rc == SQLITE_OK) return;
    if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) break;
    if (std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5 + 5 * (attempt % 8)));
  }
  exec("PRAGMA journal_mode=WAL");  // once more, to throw with SQLite's own message
}

void CachedEncoder::exec(const char* sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    const std::string why = msg != nullptr ? msg : sqlite3_errmsg(db_);
    sqlite3_free(msg);
    throw Error("embedding cache " + path_.string() + ": " + why);
  }
}

Matrix CachedEncoder::encode(const std::vector<std::string>& texts) {
  const std::string encoder = inner_->id();
  const int d = inner_->dim();
  const std::size_t row_bytes = sizeof(float) * static_cast<std::size_t>(d);
  Matrix out(static_cast<Eigen::Index>(texts.size()), d);

  // Distinct texts by hash; every row asking for the same text is filled from one lookup.
  std::vector<util::Digest> keys(texts.size());
  std::unordered_map<std::string, std::vector<std::size_t>> rows_of;
  std::vector<std::string> order;  // distinct keys, first-seen order
  for (std::size_t i = 0; i < texts.size(); ++i) {
    keys[i] = util::sha256(texts[i]);
    std::string k(reinterpret_cast<const char*>(keys[i].data()), keys[i].size());
    auto [it, fresh] = rows_of.try_emplace(k);
    if (fresh) order.push_back(k);
    it->second.push_back(i);
  }

  std::vector<std::size_t> missing;  // first row of each distinct text not in the cache
  {
    Statement select(db_, "SELECT vector FROM embeddings WHERE encoder = ?1 AND text_sha256 = ?2", path_);
    exec("BEGIN");  // one read snapshot for all lookups: faster than one per statement
    try {
      for (const auto& k : order) {
        const auto& rows = rows_of[k];
        sqlite3_bind_text(select.get(), 1, encoder.data(), static_cast<int>(encoder.size()), SQLITE_STATIC);
        sqlite3_bind_blob(select.get(), 2, k.data(), static_cast<int>(k.size()), SQLITE_STATIC);
        const bool found = select.step() == SQLITE_ROW &&
                           static_cast<std::size_t>(sqlite3_column_bytes(select.get(), 0)) == row_bytes;
        if (found) {
          const void* blob = sqlite3_column_blob(select.get(), 0);
          for (std::size_t r : rows) std::memcpy(out.row(static_cast<Eigen::Index>(r)).data(), blob, row_bytes);
        } else {
          missing.push_back(rows.front());
        }
        select.reset();
      }
      exec("COMMIT");
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }
  stats_.misses += missing.size();
  stats_.hits += texts.size() - missing.size();

  Statement insert(db_, "INSERT OR REPLACE INTO embeddings (encoder, text_sha256, vector) VALUES (?1, ?2, ?3)", path_);
  for (std::size_t start = 0; start < missing.size(); start += chunk_size) {
    const std::size_t end = std::min(missing.size(), start + std::max<std::size_t>(1, chunk_size));
    std::vector<std::string> batch;
    for (std::size_t m = start; m < end; ++m) batch.push_back(texts[missing[m]]);
    const Matrix got = inner_->encode(batch);
    if (got.rows() != static_cast<Eigen::Index>(batch.size()) || got.cols() != d) {
      throw std::logic_error("encoder " + encoder + " returned a " + std::to_string(got.rows()) + "x" +
                             std::to_string(got.cols()) + " matrix for " + std::to_string(batch.size()) + " texts");
    }
    exec("BEGIN IMMEDIATE");
    try {
      for (std::size_t m = start; m < end; ++m) {
        const auto row = got.row(static_cast<Eigen::Index>(m - start));
        const auto& key = keys[missing[m]];
        sqlite3_bind_text(insert.get(), 1, encoder.data(), static_cast<int>(encoder.size()), SQLITE_STATIC);
        sqlite3_bind_blob(insert.get(), 2, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
        sqlite3_bind_blob(insert.get(), 3, row.data(), static_cast<int>(row_bytes), SQLITE_STATIC);
        insert.step();
        insert.reset();
        const std::string k(reinterpret_cast<const char*>(key.data()), key.size());
        for (std::size_t r : rows_of[k]) out.row(static_cast<Eigen::Index>(r)) = row;
      }
      exec("COMMIT");
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }
  return out;
}

}  // namespace mop::embed
