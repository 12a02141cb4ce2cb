// Pearson's chi-square goodness of fit and the two-sample Kolmogorov-Smirnov test (mop/metrics.h):
// the checks people expect beside the embedding distances (label shares, response lengths).
#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include <unsupported/Eigen/SpecialFunctions>

#include "mop/error.h"
#include "mop/metrics.h"

namespace mop::eval {

ChiSquareResult chi_square_fit(const std::vector<double>& observed, const std::vector<double>& expected_shares) {
  if (observed.size() != expected_shares.size())
    throw Error("chi-square: " + std::to_string(observed.size()) + " counts for " +
                std::to_string(expected_shares.size()) + " expected shares");
  if (observed.size() < 2) throw Error("chi-square: needs at least 2 categories");
  double n = 0, share_sum = 0;
  for (std::size_t i = 0; i < observed.size(); ++i) {
    if (!(observed[i] >= 0) || !std::isfinite(observed[i])) throw Error("chi-square: counts must be finite and >= 0");
    if (!(expected_shares[i] > 0) || !std::isfinite(expected_shares[i]))
      throw Error("chi-square: expected shares must be finite and positive");
    n += observed[i], share_sum += expected_shares[i];
  }
  if (!(n > 0)) throw Error("chi-square: no observations");
  ChiSquareResult r;
  for (std::size_t i = 0; i < observed.size(); ++i) {
    const double e = n * expected_shares[i] / share_sum, d = observed[i] - e;
    r.statistic += d * d / e;
  }
  r.df = static_cast<int>(observed.size()) - 1;
  r.p_value = Eigen::numext::igammac(0.5 * r.df, 0.5 * r.statistic);
  return r;
}

double kolmogorov_upper_tail(double lambda) {
  if (!(lambda > 0)) return 1.0;
  if (lambda < 1.18) {
    // The theta-function form converges fast for small lambda: P(K <= l) = sqrt(2 pi) / l *
    // sum_j exp(-(2j - 1)^2 pi^2 / (8 l^2)).
    const double w = std::numbers::pi * std::numbers::pi / (8 * lambda * lambda);
    double cdf = 0;
    for (int j = 1; j <= 20; ++j) {
      const double odd = 2.0 * j - 1;
      cdf += std::exp(-odd * odd * w);
    }
    return std::clamp(1.0 - std::sqrt(2 * std::numbers::pi) / lambda * cdf, 0.0, 1.0);
  }
  double q = 0;
  for (int j = 1; j <= 100; ++j) {
    const double term = std::exp(-2.0 * j * j * lambda * lambda);
    q += (j % 2 == 1 ? 2 : -2) * term;
    if (term < 1e-17) break;
  }
  return std::clamp(q, 0.0, 1.0);
}

KsResult ks_two_sample(std::vector<double> a, std::vector<double> b) {
  if (a.empty() || b.empty()) throw Error("Kolmogorov-Smirnov: each sample needs at least one value");
  for (const auto* v : {&a, &b})
    for (double x : *v)
      if (!std::isfinite(x)) throw Error("Kolmogorov-Smirnov: values must be finite");
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  const auto n = static_cast<double>(a.size()), m = static_cast<double>(b.size());
  // Both empirical CDFs at every distinct value, right-continuous, so tied values step together.
  std::size_t i = 0, j = 0;
  double d = 0;
  while (i < a.size() || j < b.size()) {
    const double x = j == b.size() || (i < a.size() && a[i] <= b[j]) ? a[i] : b[j];
    while (i < a.size() && a[i] <= x) ++i;
    while (j < b.size() && b[j] <= x) ++j;
    d = std::max(d, std::fabs(static_cast<double>(i) / n - static_cast<double>(j) / m));
  }
  KsResult r;
  r.statistic = d;
  r.p_value = kolmogorov_upper_tail(std::sqrt(n * m / (n + m)) * d);
  return r;
}

std::size_t word_count(const std::string& text) {
  std::size_t words = 0;
  bool in_word = false;
  for (unsigned char c : text) {
    const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

}  // namespace mop::eval
