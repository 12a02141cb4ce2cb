#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "eval/mauve_detail.h"
#include "mop/error.h"
#include "mop/metrics.h"
#include "test_metrics_gen.h"

using mop::eval::MauveOptions;
using mop::eval::mauve;
using mop::eval::mauve_from_histograms;
using mop::eval::testing::gaussian_rows;
using mop::eval::testing::mixture_rows;

namespace {
// Small k-means budget: the unit run must stay fast; the separation tested here is coarse.
MauveOptions quick(int clusters = 0) {
  MauveOptions o;
  o.num_clusters = clusters;
  o.kmeans_iters = 50;
  o.kmeans_redo = 2;
  return o;
}
}  // namespace

// Values from running mauve-text 0.4.0's curve stage on these histograms (p golden, q synthetic).
TEST(MauveCurve, MatchesReferenceValues) {
  struct Case {
    std::vector<double> p, q;
    double mauve, fi;
  };
  const std::vector<Case> cases = {
      {{.2, .3, .5}, {.4, .4, .2}, 0.871400, 0.072092},
      {{.1, .2, .3, .4}, {.25, .25, .25, .25}, 0.957902, 0.037323},
      {{.5, .5, 0, 0}, {0, 0, .5, .5}, 0.004072, 1.000000},
  };
  for (const auto& c : cases) {
    const auto r = mauve_from_histograms(c.p, c.q);
    EXPECT_NEAR(r.mauve, c.mauve, 1e-5);
    EXPECT_NEAR(r.frontier_integral, c.fi, 1e-5);
  }
}

TEST(MauveCurve, CurveHasReferenceShape) {
  const auto r = mauve_from_histograms({.2, .3, .5}, {.4, .4, .2});
  ASSERT_EQ(r.curve.size(), 27u);  // 25 mixtures and the two extreme points
  EXPECT_EQ(r.curve.front()[0], 1.0);
  EXPECT_EQ(r.curve.front()[1], 0.0);
  EXPECT_EQ(r.curve.back()[0], 0.0);
  EXPECT_EQ(r.curve.back()[1], 1.0);
  // As w grows, r moves from q to p: KL(q||r) rises and KL(p||r) falls.
  for (size_t i = 2; i + 1 < r.curve.size(); ++i) {
    EXPECT_LT(r.curve[i][0], r.curve[i - 1][0]);
    EXPECT_GT(r.curve[i][1], r.curve[i - 1][1]);
  }
  EXPECT_EQ(r.num_clusters, 3);
}

TEST(MauveCurve, ScalingFactorAndCurvePointsAreUsed) {
  MauveOptions o;
  o.scaling_factor = 1;
  o.curve_points = 7;
  const auto soft = mauve_from_histograms({.2, .3, .5}, {.4, .4, .2}, o);
  EXPECT_EQ(soft.curve.size(), 9u);
  // A smaller c shrinks every exp(-c KL) gap, so the score rises.
  EXPECT_GT(soft.mauve, 0.871400 + 0.05);
}

// Identical histograms tie on the curve; ties resolve to the upper envelope, i.e. MAUVE 1.
TEST(MauveCurve, EqualHistogramsScoreOne) {
  const auto r = mauve_from_histograms({.1, .6, .3}, {.1, .6, .3});
  EXPECT_NEAR(r.mauve, 1.0, 1e-12);
  EXPECT_NEAR(r.frontier_integral, 0.0, 1e-12);
}

TEST(MauveCurve, NormalisesCounts) {
  const auto counts = mauve_from_histograms({2, 3, 5}, {4, 4, 2});
  EXPECT_NEAR(counts.mauve, 0.871400, 1e-5);
  EXPECT_NEAR(counts.golden_hist[2], 0.5, 1e-15);
}

TEST(MauveCurve, LinspaceMatchesNumpy) {
  const auto w = mop::eval::detail::linspace(1e-6, 1 - 1e-6, 25);
  ASSERT_EQ(w.size(), 25u);
  EXPECT_EQ(w.front(), 1e-6);
  EXPECT_EQ(w.back(), 1 - 1e-6);
  EXPECT_DOUBLE_EQ(w[12], 0.5);
}

TEST(MauveCurve, RejectsBadHistograms) {
  EXPECT_THROW(mauve_from_histograms({.5, .5}, {.2, .3, .5}), mop::Error);
  EXPECT_THROW(mauve_from_histograms({}, {}), mop::Error);
  EXPECT_THROW(mauve_from_histograms({-.1, 1.1}, {.5, .5}), mop::Error);
  EXPECT_THROW(mauve_from_histograms({0, 0}, {.5, .5}), mop::Error);
  MauveOptions o;
  o.scaling_factor = 0;
  EXPECT_THROW(mauve_from_histograms({.5, .5}, {.4, .6}, o), mop::Error);
}

// Variances 10, 1, 0.01 along rotated axes: 0.9 of the variance needs one component
// (10 / 11.01 = 0.908), 0.95 needs two; projected columns carry those variances.
TEST(MauvePca, KeepsFewestComponentsReachingTheFraction) {
  const long n = 4000;
  auto z = gaussian_rows(n, 3, 3);
  Eigen::MatrixXd x = z.cast<double>();
  x.col(0) *= std::sqrt(10.0);
  x.col(2) *= 0.1;
  const Eigen::MatrixXd rotation = Eigen::Quaterniond(Eigen::AngleAxisd(0.7, Eigen::Vector3d(1, 2, 3).normalized()))
                                       .toRotationMatrix();
  x = x * rotation.transpose();
  const auto one = mop::eval::detail::pca_reduce(x, 0.9);
  ASSERT_EQ(one.cols(), 1);
  const auto two = mop::eval::detail::pca_reduce(x, 0.95);
  ASSERT_EQ(two.cols(), 2);
  const Eigen::MatrixXd t = two.cast<double>();
  const Eigen::RowVectorXd mean = t.colwise().mean();
  EXPECT_NEAR(mean.norm(), 0.0, 1e-4);
  const Eigen::RowVectorXd var = (t.rowwise() - mean).colwise().squaredNorm() / (n - 1);
  EXPECT_NEAR(var(0), 10.0, 0.6);  // sample variance: sd ~ 10 * sqrt(2 / n) = 0.22
  EXPECT_NEAR(var(1), 1.0, 0.07);
}

TEST(Mauve, SameDistributionScoresNearOne) {
  const auto g = mixture_rows(400, 16, 8, 1);
  const auto s = mixture_rows(400, 16, 8, 2);
  const auto r = mauve(g, s, quick());
  EXPECT_EQ(r.num_clusters, 40);
  EXPECT_GT(r.pca_components, 0);
  EXPECT_GT(r.mauve, 0.9);
}

TEST(Mauve, FarApartDistributionsScoreNearZero) {
  const auto g = gaussian_rows(400, 16, 1, 1.f, 0.f, 0);
  const auto s = gaussian_rows(400, 16, 2, 1.f, 20.f, 3);
  const auto r = mauve(g, s, quick());
  EXPECT_LT(r.mauve, 0.1);
  EXPECT_GT(r.frontier_integral, 0.9);
}

// p is the golden histogram, q the synthetic one: G mixes two far blobs 3:1, S has one blob.
TEST(Mauve, HistogramsBelongToTheirSets) {
  mop::embed::Matrix g(200, 8);
  g << gaussian_rows(150, 8, 1, 1.f, 30.f, 0), gaussian_rows(50, 8, 2, 1.f, 30.f, 5);
  const auto s = gaussian_rows(200, 8, 3, 1.f, 30.f, 0);
  const auto r = mauve(g, s, quick(2));
  ASSERT_EQ(r.golden_hist.size(), 2u);
  EXPECT_NEAR(*std::max_element(r.golden_hist.begin(), r.golden_hist.end()), 0.75, 1e-12);
  EXPECT_NEAR(*std::max_element(r.synthetic_hist.begin(), r.synthetic_hist.end()), 1.0, 1e-12);
}

TEST(Mauve, AutoClusterCountRoundsHalfToEven) {
  const auto s = mixture_rows(300, 8, 4, 2);
  MauveOptions o = quick();
  o.kmeans_iters = 5;
  o.kmeans_redo = 1;
  EXPECT_EQ(mauve(mixture_rows(95, 8, 4, 1), s, o).num_clusters, 10);   // round(9.5) = 10
  EXPECT_EQ(mauve(mixture_rows(105, 8, 4, 1), s, o).num_clusters, 10);  // round(10.5) = 10
  EXPECT_EQ(mauve(mixture_rows(12, 8, 4, 1), s, o).num_clusters, 2);    // at least 2
}

TEST(Mauve, DeterministicForASeed) {
  const auto g = mixture_rows(200, 8, 5, 1);
  const auto s = mixture_rows(200, 8, 5, 2);
  const auto a = mauve(g, s, quick());
  const auto b = mauve(g, s, quick());
  EXPECT_EQ(a.mauve, b.mauve);
  EXPECT_EQ(a.golden_hist, b.golden_hist);
}

TEST(Mauve, RejectsBadInput) {
  const auto a = gaussian_rows(50, 8, 1);
  EXPECT_THROW(mauve(a, gaussian_rows(50, 9, 2), quick()), mop::Error);  // widths differ
  EXPECT_THROW(mauve(a, mop::embed::Matrix(0, 8), quick()), mop::Error);  // empty
  EXPECT_THROW(mauve(a, gaussian_rows(20, 8, 2), quick(30)), mop::Error);  // fewer rows than clusters
  MauveOptions o = quick();
  o.pca_variance = 1.0;
  EXPECT_THROW(mauve(a, a, o), mop::Error);
  auto bad = a;
  bad(3, 3) = std::nanf("");
  EXPECT_THROW(mauve(bad, a, quick()), mop::Error);
  try {
    mauve(a, gaussian_rows(20, 8, 2), quick(30));
  } catch (const mop::Error& e) {
    EXPECT_NE(std::string(e.what()).find("30 clusters"), std::string::npos) << e.what();
  }
}
