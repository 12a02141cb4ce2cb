// MAUVE's curve stage, from two histograms: mauve-text's get_divergence_curve_for_multinomials,
// compute_area_under_curve (sklearn.metrics.auc) and get_fronter_integral.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "eval/mauve_detail.h"
#include "mop/error.h"

namespace mop::eval {
namespace detail {

std::vector<double> linspace(double start, double stop, int num) {
  std::vector<double> v(static_cast<size_t>(num));
  const double step = num > 1 ? (stop - start) / (num - 1) : 0.0;
  for (int i = 0; i < num; ++i) v[static_cast<size_t>(i)] = i * step + start;
  if (num > 1) v.back() = stop;  // numpy pins the endpoint
  return v;
}

double sorted_area(const std::vector<double>& x, const std::vector<double>& y) {
  std::vector<size_t> idx(x.size());
  std::iota(idx.begin(), idx.end(), size_t{0});
  // Ties in x only occur when p == q; ordering them by decreasing y traces the upper envelope.
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
    return x[a] < x[b] || (x[a] == x[b] && y[a] > y[b]);
  });
  double area = 0;
  for (size_t i = 1; i < idx.size(); ++i)
    area += (x[idx[i]] - x[idx[i - 1]]) * (y[idx[i]] + y[idx[i - 1]]) / 2.0;
  return area;
}

}  // namespace detail

namespace {

// KL(a || b) for histograms; infinite when a has mass where b has none.
double kl_multinomial(const std::vector<double>& a, const std::vector<double>& b) {
  double total = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] == 0) continue;
    if (b[i] == 0) return std::numeric_limits<double>::infinity();
    total += a[i] * std::log(a[i] / b[i]);
  }
  return total;
}

double frontier_integral(const std::vector<double>& p, const std::vector<double>& q) {
  double total = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const double a = p[i], b = q[i];
    if (a == 0 && b == 0) continue;
    if (a == 0) {
      total += b / 4;
    } else if (b == 0) {
      total += a / 4;
    } else if (std::abs(a - b) > 1e-8) {
      total += 0.25 * (a + b) - 0.5 * a * b * (std::log(a) - std::log(b)) / (a - b);
    }
  }
  return total * 2;  // the reference's fixed scaling_factor=2
}

std::vector<double> normalised(const std::vector<double>& h, const char* which) {
  double sum = 0;
  for (double v : h) {
    if (!(v >= 0) || !std::isfinite(v))
      throw Error(std::string("MAUVE: the ") + which + " histogram has a negative or non-finite entry");
    sum += v;
  }
  if (sum <= 0) throw Error(std::string("MAUVE: the ") + which + " histogram is all zero");
  std::vector<double> out(h);
  for (double& v : out) v /= sum;
  return out;
}

}  // namespace

MauveResult mauve_from_histograms(const std::vector<double>& golden_hist,
                                  const std::vector<double>& synthetic_hist,
                                  const MauveOptions& options) {
  if (golden_hist.empty() || synthetic_hist.empty()) throw Error("MAUVE: a histogram is empty");
  if (golden_hist.size() != synthetic_hist.size())
    throw Error("MAUVE: histograms differ in length (golden " + std::to_string(golden_hist.size()) +
                ", synthetic " + std::to_string(synthetic_hist.size()) + ")");
  if (!(options.scaling_factor > 0)) throw Error("MAUVE: scaling_factor must be positive");
  if (options.curve_points < 1) throw Error("MAUVE: curve_points must be at least 1");

  MauveResult r;
  r.golden_hist = normalised(golden_hist, "golden");
  r.synthetic_hist = normalised(synthetic_hist, "synthetic");
  r.num_clusters = static_cast<int>(golden_hist.size());
  const auto& p = r.golden_hist;
  const auto& q = r.synthetic_hist;
  const double c = options.scaling_factor;

  // Points as (KL(q||r), KL(p||r)), extremes included, then exp(-c KL).
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<std::array<double, 2>> kl{{0.0, inf}};
  std::vector<double> weights = detail::linspace(1e-6, 1 - 1e-6, options.curve_points);
  std::sort(weights.begin(), weights.end());
  std::vector<double> mix(p.size());
  for (double w : weights) {
    for (size_t i = 0; i < p.size(); ++i) mix[i] = w * p[i] + (1 - w) * q[i];
    kl.push_back({kl_multinomial(q, mix), kl_multinomial(p, mix)});
  }
  kl.push_back({inf, 0.0});

  std::vector<double> x, y;
  for (const auto& point : kl) {
    r.curve.push_back({std::exp(-c * point[0]), std::exp(-c * point[1])});
    x.push_back(r.curve.back()[0]);
    y.push_back(r.curve.back()[1]);
  }
  r.mauve = 0.5 * (detail::sorted_area(x, y) + detail::sorted_area(y, x));
  r.frontier_integral = frontier_integral(p, q);
  return r;
}

}  // namespace mop::eval
