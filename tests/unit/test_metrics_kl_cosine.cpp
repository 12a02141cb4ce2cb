#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "mop/error.h"
#include "mop/metrics.h"
#include "test_metrics_gen.h"

using mop::eval::kl_cosine;
using mop::eval::KlCosineOptions;
using mop::eval::testing::gaussian_rows;

TEST(KlCosine, SetWithItselfIsZero) {
  const auto a = gaussian_rows(300, 32, 1);
  const auto r = kl_cosine(a, a);
  EXPECT_EQ(r.kl, 0.0);
  EXPECT_EQ(r.golden_pairs, 300 * 299 / 2);
  EXPECT_NEAR(std::accumulate(r.golden_hist.begin(), r.golden_hist.end(), 0.0), 1.0, 1e-12);
  EXPECT_EQ(r.golden_hist.size(), 100u);
}

TEST(KlCosine, SetWithItselfIsZeroWhenSampled) {
  const auto a = gaussian_rows(300, 32, 1);
  KlCosineOptions o;
  o.max_pairs = 5000;
  const auto r = kl_cosine(a, a, o);
  EXPECT_EQ(r.kl, 0.0);
  EXPECT_EQ(r.synthetic_pairs, 5000);
}

// Two bins, [-1, 0) and [0, 1]. G = {e1, e2, -e1}: cosines 0, -1, 0, so g = (1/3, 2/3).
// S = {e1, 2 e1, e2}: cosines 1, 0, 0, so s = (0, 1). KL(S || G) = log(1 / (2/3)) = log 1.5,
// up to the smoothing.
TEST(KlCosine, HandComputedTwoBins) {
  mop::embed::Matrix g(3, 2), s(3, 2);
  g << 1, 0, 0, 1, -1, 0;
  s << 1, 0, 2, 0, 0, 1;
  KlCosineOptions o;
  o.bins = 2;
  const auto r = kl_cosine(g, s, o);
  EXPECT_NEAR(r.golden_hist[0], 1.0 / 3, 1e-7);
  EXPECT_NEAR(r.synthetic_hist[0], 0.0, 1e-7);
  EXPECT_NEAR(r.kl, std::log(1.5), 1e-6);
  // Direction matters: KL(G || S) would be large (mass 1/3 where S has only the smoothing).
  const auto reverse = kl_cosine(s, g, o);
  EXPECT_GT(reverse.kl, 5.0);
}

TEST(KlCosine, DifferentSpreadsGiveLargerDivergence) {
  const auto wide = gaussian_rows(200, 16, 1);
  const auto narrow = gaussian_rows(200, 16, 2, 1.f, 4.f);  // shifted: cosines bunch near 1
  const auto same_kind = gaussian_rows(200, 16, 3);
  const double far = kl_cosine(wide, narrow).kl;
  const double near = kl_cosine(wide, same_kind).kl;
  EXPECT_GT(far, 1.0);
  EXPECT_LT(near, 0.1);
}

// The sample of pairs estimates the all-pairs histogram (3000 rows: 4.5M pairs).
TEST(KlCosine, SampledHistogramTracksAllPairs) {
  const auto a = gaussian_rows(3000, 8, 4);
  const auto b = gaussian_rows(3000, 8, 5, 1.f, 1.f);
  KlCosineOptions all;
  all.max_pairs = 10'000'000;
  KlCosineOptions sampled;  // default 2M
  const auto exact = kl_cosine(a, b, all);
  const auto approx = kl_cosine(a, b, sampled);
  EXPECT_EQ(exact.golden_pairs, 3000LL * 2999 / 2);
  EXPECT_EQ(approx.golden_pairs, 2'000'000);
  double l1 = 0;
  for (size_t i = 0; i < exact.golden_hist.size(); ++i) l1 += std::abs(exact.golden_hist[i] - approx.golden_hist[i]);
  EXPECT_LT(l1, 0.01);
  EXPECT_NEAR(approx.kl, exact.kl, 0.1 * exact.kl);
}

TEST(KlCosine, RejectsBadInput) {
  const auto a = gaussian_rows(10, 4, 1);
  EXPECT_THROW(kl_cosine(a, gaussian_rows(10, 5, 2)), mop::Error);
  EXPECT_THROW(kl_cosine(a, mop::embed::Matrix(0, 4)), mop::Error);
  EXPECT_THROW(kl_cosine(a, gaussian_rows(1, 4, 2)), mop::Error);  // no pairs
  auto zero_row = a;
  zero_row.row(2).setZero();
  EXPECT_THROW(kl_cosine(a, zero_row), mop::Error);
  KlCosineOptions o;
  o.bins = 0;
  EXPECT_THROW(kl_cosine(a, a, o), mop::Error);
}
