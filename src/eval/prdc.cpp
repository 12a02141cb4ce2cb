// Improved precision and recall, density and coverage (mop/metrics.h), as the authors'
// compute_prdc: Euclidean distances, each point's k-NN radius its (k+1)-th smallest distance
// within its own set (its own 0 counts), strict "<" against a radius.
#include <algorithm>
#include <cmath>
#include <vector>

#include "eval/check.h"
#include "mop/error.h"
#include "mop/metrics.h"

// Fortran BLAS (OpenBLAS here): the one call that makes 5,000 x 5,000 distances take well under a
// second; mop is compiled for any x86-64, so Eigen's own product would be SSE2 only.
extern "C" void dgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k,
                       const double* alpha, const double* a, const int* lda, const double* b, const int* ldb,
                       const double* beta, double* c, const int* ldc);

namespace mop::eval {
namespace {

using Rows = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

constexpr long kBlock = 512;  // rows of A per distance block: 512 x 5,000 doubles is 20 MB

// ||x - y||^2 summed in one fixed order: the same pair gives the same value wherever it is asked.
double exact_sq(const double* x, const double* y, long d) {
  double sum = 0;
  for (long t = 0; t < d; ++t) sum += (x[t] - y[t]) * (x[t] - y[t]);
  return sum;
}

// A Gram-form squared distance within rounding of `r`, the side it is compared with: BLAS rounds
// x.y differently in blocks of other shapes (kernels and blocking differ between CPUs), so a pair
// compared with a radius taken from that same pair could land on either side of it.
bool near(double d2, double r, double scale) { return std::abs(d2 - r) <= 1e-9 * scale; }

// One block of squared Euclidean distances, rows [begin, begin + out.rows()) of a against every row
// of b, by ||x||^2 + ||y||^2 - 2 x.y. Where that form cancels (near-equal rows) the distance is taken
// directly, so equal rows are exactly 0 as the reference's radii assume (a repeated row has radius 0).
// Squares compare as the distances do, so no square root is taken.
void distance_block(const Rows& a, const Eigen::VectorXd& a_sq, long begin, const Rows& b,
                    const Eigen::VectorXd& b_sq, Rows& out) {
  const int m = static_cast<int>(b.rows()), n = static_cast<int>(out.rows()), k = static_cast<int>(a.cols());
  const double alpha = -2, beta = 0;
  // Column-major, out^T (m x n) = B A_block^T: b and a's rows are already the columns it needs.
  dgemm_("T", "N", &m, &n, &k, &alpha, b.data(), &k, a.data() + begin * a.cols(), &k, &beta, out.data(), &m);
  for (long i = 0; i < out.rows(); ++i) {
    const double si = a_sq[begin + i];
    for (long j = 0; j < out.cols(); ++j) {
      double d2 = out(i, j) + si + b_sq[j];
      if (d2 <= 1e-8 * (si + b_sq[j])) d2 = exact_sq(a.row(begin + i).data(), b.row(j).data(), a.cols());
      out(i, j) = d2;
    }
  }
}

// The (k+1)-th smallest of v[0, n), n > k. For the usual small k, a sorted list of the k + 1
// smallest seen so far (most values cost one comparison); nth_element on a copy otherwise.
double kth_smallest(const double* v, long n, int k, std::vector<double>& scratch) {
  const auto keep = static_cast<std::size_t>(k) + 1;
  if (keep > 64) {
    scratch.assign(v, v + n);
    std::nth_element(scratch.begin(), scratch.begin() + k, scratch.end());
    return scratch[static_cast<std::size_t>(k)];
  }
  scratch.assign(v, v + keep);
  std::sort(scratch.begin(), scratch.end());
  for (long j = static_cast<long>(keep); j < n; ++j) {
    if (!(v[j] < scratch.back())) continue;
    auto at = std::upper_bound(scratch.begin(), scratch.end() - 1, v[j]);
    std::move_backward(at, scratch.end() - 1, scratch.end());
    *at = v[j];
  }
  return scratch.back();
}

// Each row's squared distance to its k-th nearest other row: the (k+1)-th smallest, its own 0
// included, in exact distances: the rows whose Gram-form distance is within rounding of it are
// measured again exactly and ranked among themselves (so that comparisons with it can be exact).
Eigen::VectorXd knn_radii(const Rows& x, const Eigen::VectorXd& sq, int k) {
  Eigen::VectorXd radii(x.rows());
  std::vector<double> scratch, band;
  for (long begin = 0; begin < x.rows(); begin += kBlock) {
    Rows d(std::min(kBlock, x.rows() - begin), x.rows());
    distance_block(x, sq, begin, x, sq, d);
    for (long i = 0; i < d.rows(); ++i) {
      const long row = begin + i;
      const double r = kth_smallest(d.row(i).data(), d.cols(), k, scratch);
      long below = 0;  // rows certainly nearer than r
      band.clear();
      for (long j = 0; j < d.cols(); ++j) {
        if (near(d(i, j), r, sq[row] + sq[j])) band.push_back(exact_sq(x.row(row).data(), x.row(j).data(), x.cols()));
        else if (d(i, j) < r) ++below;
      }
      std::sort(band.begin(), band.end());
      radii[row] = band[static_cast<std::size_t>(k - below)];
    }
  }
  return radii;
}

}  // namespace

PrdcRows prdc_rows(const embed::Matrix& golden, const embed::Matrix& synthetic, const PrdcOptions& options) {
  const int k = options.nearest_k;
  if (k < 1) throw Error("precision/recall/density/coverage: nearest_k must be at least 1 (got " + std::to_string(k) + ")");
  // The (k+1)-th smallest distance within a set exists only with k + 1 rows.
  detail::check_pair(golden, synthetic, "precision/recall/density/coverage (k = " + std::to_string(k) + ")", k + 1L);
  const Rows g = golden.cast<double>(), s = synthetic.cast<double>();
  const Eigen::VectorXd g_sq = g.rowwise().squaredNorm(), s_sq = s.rowwise().squaredNorm();
  const Eigen::VectorXd g_radii = knn_radii(g, g_sq, k), s_radii = knn_radii(s, s_sq, k);  // squared

  // One pass over the golden-synthetic (squared) distances, golden rows in blocks.
  PrdcRows rows;
  rows.nearest_k = k;
  rows.golden_radii.assign(g_radii.data(), g_radii.data() + g_radii.size());
  rows.synthetic_radii.assign(s_radii.data(), s_radii.data() + s_radii.size());
  rows.golden_balls_holding.assign(static_cast<std::size_t>(s.rows()), 0);
  rows.recalled.assign(static_cast<std::size_t>(g.rows()), 0);
  rows.covered.assign(static_cast<std::size_t>(g.rows()), 0);
  for (long begin = 0; begin < g.rows(); begin += kBlock) {
    Rows d(std::min(kBlock, g.rows() - begin), s.rows());
    distance_block(g, g_sq, begin, s, s_sq, d);
    for (long i = 0; i < d.rows(); ++i) {
      const double r = g_radii[begin + i];
      bool in_synthetic_ball = false, has_synthetic_inside = false;
      for (long j = 0; j < d.cols(); ++j) {
        double dij = d(i, j);
        const double scale = g_sq[begin + i] + s_sq[j];
        if (near(dij, r, scale) || near(dij, s_radii[j], scale)) dij = exact_sq(g.row(begin + i).data(), s.row(j).data(), g.cols());
        if (dij < r) ++rows.golden_balls_holding[static_cast<std::size_t>(j)], has_synthetic_inside = true;
        if (dij < s_radii[j]) in_synthetic_ball = true;
      }
      rows.recalled[static_cast<std::size_t>(begin + i)] = in_synthetic_ball;
      // The nearest synthetic row is inside the golden row's ball.
      rows.covered[static_cast<std::size_t>(begin + i)] = has_synthetic_inside;
    }
  }
  return rows;
}

PrdcResult prdc_summary(const PrdcRows& rows) {
  long precise = 0, total = 0, recalled = 0, covered = 0;
  for (int c : rows.golden_balls_holding) precise += c > 0, total += c;
  for (char r : rows.recalled) recalled += r != 0;
  for (char c : rows.covered) covered += c != 0;
  const auto ns = static_cast<double>(rows.golden_balls_holding.size()), ng = static_cast<double>(rows.recalled.size());
  PrdcResult res;
  res.precision = static_cast<double>(precise) / ns;
  res.recall = static_cast<double>(recalled) / ng;
  res.density = static_cast<double>(total) / (static_cast<double>(rows.nearest_k) * ns);
  res.coverage = static_cast<double>(covered) / ng;
  return res;
}

PrdcPart prdc_part(const embed::Matrix& golden, const embed::Matrix& synthetic, const PrdcRows& rows,
                   const std::vector<long>& g_rows, const std::vector<long>& s_rows) {
  PrdcPart part;
  if (g_rows.empty() && s_rows.empty()) return part;
  if (s_rows.empty()) {
    part.recall = part.coverage = 0.0;
    return part;
  }
  if (g_rows.empty()) {
    part.precision = part.density = 0.0;
    return part;
  }
  auto take = [](const embed::Matrix& m, const std::vector<long>& idx) {
    Rows out(static_cast<long>(idx.size()), m.cols());
    for (std::size_t i = 0; i < idx.size(); ++i) out.row(static_cast<long>(i)) = m.row(idx[i]).cast<double>();
    return out;
  };
  const Rows g = take(golden, g_rows), s = take(synthetic, s_rows);
  const Eigen::VectorXd g_sq = g.rowwise().squaredNorm(), s_sq = s.rowwise().squaredNorm();
  std::vector<long> inside(s_rows.size(), 0);
  long recalled = 0, covered = 0;
  for (long begin = 0; begin < g.rows(); begin += kBlock) {
    Rows d(std::min(kBlock, g.rows() - begin), s.rows());
    distance_block(g, g_sq, begin, s, s_sq, d);
    for (long i = 0; i < d.rows(); ++i) {
      const double r = rows.golden_radii[static_cast<std::size_t>(g_rows[static_cast<std::size_t>(begin + i)])];
      bool in_synthetic_ball = false, has_synthetic_inside = false;
      for (long j = 0; j < d.cols(); ++j) {
        if (d(i, j) < r) ++inside[static_cast<std::size_t>(j)], has_synthetic_inside = true;
        if (d(i, j) < rows.synthetic_radii[static_cast<std::size_t>(s_rows[static_cast<std::size_t>(j)])]) in_synthetic_ball = true;
      }
      recalled += in_synthetic_ball;
      covered += has_synthetic_inside;
    }
  }
  long precise = 0, total = 0;
  for (long c : inside) precise += c > 0, total += c;
  const auto ns = static_cast<double>(s_rows.size()), ng = static_cast<double>(g_rows.size());
  part.precision = static_cast<double>(precise) / ns;
  part.recall = static_cast<double>(recalled) / ng;
  part.density = static_cast<double>(total) / (static_cast<double>(rows.nearest_k) * ns);
  part.coverage = static_cast<double>(covered) / ng;
  return part;
}

PrdcResult prdc(const embed::Matrix& golden, const embed::Matrix& synthetic, const PrdcOptions& options) {
  return prdc_summary(prdc_rows(golden, synthetic, options));
}

}  // namespace mop::eval
