#include "method/score_cache.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "mop/error.h"

namespace mop::method {

uint64_t ScoreCache::key(int persona, int exemplar, size_t record, bool validation) {
  return (static_cast<uint64_t>(persona) << 48) | (static_cast<uint64_t>(exemplar + 1) << 28) |
         (static_cast<uint64_t>(record) << 1) | (validation ? 1u : 0u);
}

std::optional<CachedScore> ScoreCache::lookup(uint64_t key, double tau, double tolerance) {
  auto it = map_.find(key);
  if (it == map_.end() || std::abs(it->second.tau - tau) > tolerance) {
    ++misses_;
    return std::nullopt;
  }
  ++hits_;
  CachedScore s = it->second;
  s.logprob += (tau - s.tau) * s.dlogprob_dtau;
  return s;
}

namespace {
struct Entry {
  uint64_t key;
  CachedScore score;
};
}  // namespace

std::string ScoreCache::serialize() const {
  std::vector<Entry> entries;
  entries.reserve(map_.size());
  for (const auto& [k, v] : map_) entries.push_back({k, v});
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.key < b.key; });
  std::string out;
  const uint64_t n = entries.size();
  out.append(reinterpret_cast<const char*>(&n), sizeof n);
  for (const auto& e : entries) {
    out.append(reinterpret_cast<const char*>(&e.key), sizeof e.key);
    out.append(reinterpret_cast<const char*>(&e.score.tau), sizeof(double));
    out.append(reinterpret_cast<const char*>(&e.score.logprob), sizeof(double));
    out.append(reinterpret_cast<const char*>(&e.score.dlogprob_dtau), sizeof(double));
    const int32_t t = e.score.n_tokens;
    out.append(reinterpret_cast<const char*>(&t), sizeof t);
  }
  return out;
}

ScoreCache ScoreCache::deserialize(std::string_view bytes) {
  constexpr size_t kEntry = sizeof(uint64_t) + 3 * sizeof(double) + sizeof(int32_t);
  ScoreCache c;
  uint64_t n = 0;
  if (bytes.size() < sizeof n) throw Error("score cache in checkpoint is truncated");
  std::memcpy(&n, bytes.data(), sizeof n);
  if (bytes.size() != sizeof n + n * kEntry) throw Error("score cache in checkpoint has the wrong size");
  const char* p = bytes.data() + sizeof n;
  for (uint64_t i = 0; i < n; ++i, p += kEntry) {
    uint64_t k;
    CachedScore s;
    int32_t t;
    std::memcpy(&k, p, 8);
    std::memcpy(&s.tau, p + 8, 8);
    std::memcpy(&s.logprob, p + 16, 8);
    std::memcpy(&s.dlogprob_dtau, p + 24, 8);
    std::memcpy(&t, p + 32, 4);
    s.n_tokens = t;
    c.map_[k] = s;
  }
  return c;
}

}  // namespace mop::method
