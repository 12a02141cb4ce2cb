// KL between within-set cosine-similarity histograms.
#include <algorithm>
#include <cmath>
#include <random>

#include "eval/check.h"
#include "mop/error.h"
#include "mop/metrics.h"

namespace mop::eval {

namespace {

embed::Matrix unit_rows(const embed::Matrix& x, const char* which) {
  embed::Matrix u = x;
  for (long i = 0; i < u.rows(); ++i) {
    const float norm = u.row(i).norm();
    if (!(norm > 0))
      throw Error(std::string("KL-cosine: row ") + std::to_string(i) + " of the " + which +
                  " set is zero, so its cosine similarity is undefined");
    u.row(i) /= norm;
  }
  return u;
}

class Histogram {
 public:
  explicit Histogram(int bins) : counts_(static_cast<size_t>(bins), 0) {}
  void add(float cosine) {
    const int bins = static_cast<int>(counts_.size());
    const double t = (std::clamp(static_cast<double>(cosine), -1.0, 1.0) + 1.0) / 2.0;
    ++counts_[static_cast<size_t>(std::min(bins - 1, static_cast<int>(t * bins)))];
    ++total_;
  }
  // Bin probabilities plus `smoothing` each, renormalised.
  std::vector<double> smoothed(double smoothing) const {
    std::vector<double> out(counts_.size());
    const double norm = 1.0 + smoothing * static_cast<double>(counts_.size());
    for (size_t b = 0; b < counts_.size(); ++b)
      out[b] = (static_cast<double>(counts_[b]) / static_cast<double>(total_) + smoothing) / norm;
    return out;
  }
  std::int64_t total() const { return total_; }

 private:
  std::vector<std::int64_t> counts_;
  std::int64_t total_ = 0;
};

Histogram cosine_histogram(const embed::Matrix& u, const KlCosineOptions& o) {
  Histogram h(o.bins);
  const long n = u.rows();
  const std::int64_t all_pairs = static_cast<std::int64_t>(n) * (n - 1) / 2;
  if (all_pairs <= o.max_pairs) {
    // Blocks of rows against all later rows, as matrix products.
    constexpr long kBlock = 256;
    for (long start = 0; start < n; start += kBlock) {
      const long rows = std::min(kBlock, n - start);
      const Eigen::MatrixXf sims = u.middleRows(start, rows) * u.bottomRows(n - start).transpose();
      for (long i = 0; i < rows; ++i)
        for (long j = i + 1; j < n - start; ++j) h.add(sims(i, j));
    }
    return h;
  }
  std::mt19937_64 rng(o.seed);
  std::uniform_int_distribution<long> first(0, n - 1), second(0, n - 2);
  for (std::int64_t s = 0; s < o.max_pairs; ++s) {
    const long i = first(rng);
    long j = second(rng);
    if (j >= i) ++j;  // uniform over j != i
    h.add(u.row(i).dot(u.row(j)));
  }
  return h;
}

}  // namespace

KlCosineResult kl_cosine(const embed::Matrix& golden, const embed::Matrix& synthetic,
                         const KlCosineOptions& options) {
  detail::check_pair(golden, synthetic, "KL-cosine", 2);
  if (options.bins < 1) throw Error("KL-cosine: bins must be at least 1");
  if (!(options.smoothing > 0)) throw Error("KL-cosine: smoothing must be positive");
  if (options.max_pairs < 1) throw Error("KL-cosine: max_pairs must be at least 1");

  const Histogram g = cosine_histogram(unit_rows(golden, "golden"), options);
  const Histogram s = cosine_histogram(unit_rows(synthetic, "synthetic"), options);
  KlCosineResult r;
  r.golden_hist = g.smoothed(options.smoothing);
  r.synthetic_hist = s.smoothed(options.smoothing);
  r.golden_pairs = g.total();
  r.synthetic_pairs = s.total();
  for (size_t b = 0; b < r.golden_hist.size(); ++b)
    r.kl += r.synthetic_hist[b] * std::log(r.synthetic_hist[b] / r.golden_hist[b]);
  return r;
}

}  // namespace mop::eval
