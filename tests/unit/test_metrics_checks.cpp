// The distribution checks (mop/metrics.h): chi-square goodness of fit and the two-sample
// Kolmogorov-Smirnov test against closed forms, textbook critical values and hand-worked cases.
#include <gtest/gtest.h>

#include <cmath>

#include "mop/error.h"
#include "mop/metrics.h"

using namespace mop::eval;

TEST(ChiSquare, StatisticByHandAndTheTwoDegreeClosedForm) {
  // 60 rows against shares 1/2, 1/3, 1/6: expected 30, 20, 10; observed 24, 26, 10.
  const auto r = chi_square_fit({24, 26, 10}, {3, 2, 1});  // shares are normalised
  EXPECT_NEAR(r.statistic, 36.0 / 30 + 36.0 / 20 + 0, 1e-12);
  EXPECT_EQ(r.df, 2);
  EXPECT_NEAR(r.p_value, std::exp(-r.statistic / 2), 1e-12);  // df = 2: the upper tail is exp(-x / 2)
}

TEST(ChiSquare, TextbookCriticalValues) {
  // Upper 5% and 1% points of the chi-square distribution with df 1: 3.841459 and 6.634897.
  // Two categories, shares 1/2: observed (n/2 + a, n/2 - a) gives x = 4 a^2 / n, df 1.
  const double n = 1e6;
  for (double x : {3.841459, 6.634897}) {
    const double a = std::sqrt(x * n / 4);
    const auto r = chi_square_fit({n / 2 + a, n / 2 - a}, {0.5, 0.5});
    EXPECT_NEAR(r.statistic, x, 1e-6);
    EXPECT_NEAR(r.p_value, x < 5 ? 0.05 : 0.01, 2e-6) << x;
  }
  // Equal counts: statistic 0, p 1.
  const auto same = chi_square_fit({10, 10, 10, 10, 10}, {1, 1, 1, 1, 1});
  EXPECT_EQ(same.statistic, 0);
  EXPECT_EQ(same.df, 4);
  EXPECT_NEAR(same.p_value, 1, 1e-12);
}

TEST(ChiSquare, BadInputIsAClearError) {
  EXPECT_THROW(chi_square_fit({1}, {1}), mop::Error);
  EXPECT_THROW(chi_square_fit({1, 2}, {1}), mop::Error);
  EXPECT_THROW(chi_square_fit({1, 2}, {1, 0}), mop::Error);
  EXPECT_THROW(chi_square_fit({0, 0}, {1, 1}), mop::Error);
  EXPECT_THROW(chi_square_fit({-1, 2}, {1, 1}), mop::Error);
}

TEST(Kolmogorov, UpperTailAtKnownPoints) {
  // scipy.stats.kstwobign.sf: 0.5 -> 0.9639452436648751, 1.0 -> 0.26999967167735456; the 5% and
  // 1% points are 1.3580986 and 1.6276236.
  EXPECT_NEAR(kolmogorov_upper_tail(0.5), 0.9639452436648751, 1e-10);
  EXPECT_NEAR(kolmogorov_upper_tail(1.0), 0.26999967167735456, 1e-10);
  EXPECT_NEAR(kolmogorov_upper_tail(1.3580986), 0.05, 1e-6);
  EXPECT_NEAR(kolmogorov_upper_tail(1.6276236), 0.01, 1e-6);
  EXPECT_EQ(kolmogorov_upper_tail(0), 1);
  EXPECT_NEAR(kolmogorov_upper_tail(0.1), 1, 1e-12);
  EXPECT_LT(kolmogorov_upper_tail(4), 1e-12);
  // The two series agree where one hands over to the other.
  const double below = kolmogorov_upper_tail(1.18 - 1e-9), above = kolmogorov_upper_tail(1.18);
  EXPECT_NEAR(below, above, 1e-8);
}

TEST(KolmogorovSmirnov, StatisticByHandWithTies) {
  // a = {1, 2, 2, 3}, b = {2, 4}: at 1: 1/4 vs 0; at 2: 3/4 vs 1/2; at 3: 1 vs 1/2; at 4: 1 vs 1.
  const auto r = ks_two_sample({3, 2, 1, 2}, {4, 2});
  EXPECT_DOUBLE_EQ(r.statistic, 0.5);
  EXPECT_NEAR(r.p_value, kolmogorov_upper_tail(std::sqrt(4.0 * 2 / 6) * 0.5), 1e-15);
  // The same sample: D 0, p 1. Disjoint samples: D 1.
  EXPECT_EQ(ks_two_sample({1, 2, 3}, {3, 1, 2}).statistic, 0);
  EXPECT_EQ(ks_two_sample({1, 2, 3}, {3, 1, 2}).p_value, 1);
  EXPECT_EQ(ks_two_sample({1, 2}, {5, 6, 7}).statistic, 1);
  // Large shifted samples: tiny p.
  std::vector<double> x, y;
  for (int i = 0; i < 500; ++i) x.push_back(i), y.push_back(i + 100);
  const auto far = ks_two_sample(x, y);
  EXPECT_DOUBLE_EQ(far.statistic, 0.2);
  EXPECT_LT(far.p_value, 1e-8);
  EXPECT_THROW(ks_two_sample({}, {1}), mop::Error);
  EXPECT_THROW(ks_two_sample({NAN}, {1}), mop::Error);
}

TEST(KolmogorovSmirnov, WordsAreRunsOfNonSpace) {
  EXPECT_EQ(word_count(""), 0u);
  EXPECT_EQ(word_count("   "), 0u);
  EXPECT_EQ(word_count("one"), 1u);
  EXPECT_EQ(word_count("  two\twords\n"), 2u);
  EXPECT_EQ(word_count("crème brûlée , ok"), 4u);
}
