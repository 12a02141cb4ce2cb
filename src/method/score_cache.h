#pragma once
// LM scores are the cost of training: each (persona, exemplar, record) score is kept with the
// temperature it was computed at, and reused while tau_k stays within a tolerance of it, with the
// first-order correction logp(tau) ~ logp(tau_c) + (tau - tau_c) dlogp/dtau(tau_c).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mop::method {

struct CachedScore {
  double tau;
  double logprob;
  double dlogprob_dtau;
  int n_tokens;
};

class ScoreCache {
 public:
  // exemplar -1 = no exemplar (persona only); `validation` separates the held-out records.
  static uint64_t key(int persona, int exemplar, size_t record, bool validation);

  // The score at `tau`, if one within `tolerance` is cached (counted as a hit, else a miss).
  std::optional<CachedScore> lookup(uint64_t key, double tau, double tolerance);
  void store(uint64_t key, const CachedScore& score) { map_[key] = score; }

  size_t hits() const { return hits_; }
  size_t misses() const { return misses_; }
  void reset_counts() { hits_ = misses_ = 0; }
  size_t size() const { return map_.size(); }

  // Deterministic binary form (sorted by key), kept in checkpoints so a resumed run sees the same
  // scores as an uninterrupted one.
  std::string serialize() const;
  static ScoreCache deserialize(std::string_view bytes);

 private:
  std::unordered_map<uint64_t, CachedScore> map_;
  size_t hits_ = 0, misses_ = 0;
};

}  // namespace mop::method
