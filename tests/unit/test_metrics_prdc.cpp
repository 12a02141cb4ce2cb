// Precision, recall, density and coverage (mop/metrics.h): the reference implementation's values
// on fixed inputs, planted cases (a repeated row, a dropped cluster, a set against itself) and errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>

#include "mop/error.h"
#include "mop/metrics.h"
#include "mop/util/npy.h"
#include "support/paths.h"
#include "test_metrics_gen.h"

using mop::eval::PrdcOptions;
using mop::eval::prdc;

namespace {

PrdcOptions k_of(int k) {
  PrdcOptions o;
  o.nearest_k = k;
  return o;
}

mop::embed::Matrix reference(const std::string& name) {
  return mop::util::read_npy(mop::test::shared_path("data/reference/" + name));
}

// The rows of m whose flag is (or is not) set.
mop::embed::Matrix rows_where(const mop::embed::Matrix& m, const std::vector<bool>& flag, bool want) {
  std::vector<long> keep;
  for (long i = 0; i < m.rows(); ++i)
    if (flag[static_cast<std::size_t>(i)] == want) keep.push_back(i);
  mop::embed::Matrix out(static_cast<long>(keep.size()), m.cols());
  for (std::size_t i = 0; i < keep.size(); ++i) out.row(static_cast<long>(i)) = m.row(keep[i]);
  return out;
}

}  // namespace

// compute_prdc of clovaai/generative-evaluation-prdc on prdc_real.npy (200 x 16) and prdc_fake.npy
// (150 x 16), ../shared/FACTS.md.
TEST(Prdc, MatchesTheReferenceImplementation) {
  const auto real = reference("prdc_real.npy"), fake = reference("prdc_fake.npy");
  ASSERT_EQ(real.rows(), 200);
  ASSERT_EQ(fake.rows(), 150);
  struct Case {
    int k;
    double precision, recall, density, coverage;
  };
  for (const Case& c : {Case{3, 0.953333, 0.385, 1.740000, 0.800}, Case{5, 0.980000, 0.470, 1.641333, 0.905},
                        Case{10, 1.000000, 0.620, 1.632667, 0.990}}) {
    const auto r = prdc(real, fake, k_of(c.k));
    EXPECT_NEAR(r.precision, c.precision, 1e-6) << "k = " << c.k;
    EXPECT_NEAR(r.recall, c.recall, 1e-6) << "k = " << c.k;
    EXPECT_NEAR(r.density, c.density, 1e-6) << "k = " << c.k;
    EXPECT_NEAR(r.coverage, c.coverage, 1e-6) << "k = " << c.k;
  }
}

// The reference's planted case: every synthetic row is the first golden row. All of them sit in that
// row's ball (precision 1) and have radius 0, so no golden row is recalled.
TEST(Prdc, RepeatedGoldenRowHasFullPrecisionAndNoRecall) {
  const auto real = reference("prdc_real.npy");
  const mop::embed::Matrix fake = real.row(0).replicate(150, 1);
  const auto r = prdc(real, fake, k_of(5));
  EXPECT_NEAR(r.precision, 1.0, 1e-6);
  EXPECT_NEAR(r.recall, 0.0, 1e-6);
  EXPECT_NEAR(r.density, 1.0, 1e-6);
  EXPECT_NEAR(r.coverage, 0.025, 1e-6);
}

// Equal rows far from the origin: the Gram form ||x||^2 + ||y||^2 - 2 x.y cancels there, and a
// rounding residue would give the repeated rows a radius above 0 (and some recall).
TEST(Prdc, RepeatedRowFarFromTheOriginStillHasRadiusZero) {
  mop::embed::Matrix real = mop::eval::testing::gaussian_rows(100, 32, 5);
  real.array() += 300.f;
  const mop::embed::Matrix fake = real.row(7).replicate(40, 1);
  const auto r = prdc(real, fake, k_of(5));
  EXPECT_EQ(r.recall, 0.0);
  EXPECT_EQ(r.precision, 1.0);
}

// A set against itself: every ball holds its own centre (precision, recall, coverage 1) and, with
// distinct distances, exactly k rows strictly inside each ball (its centre and k - 1 neighbours; the
// k-th sits on the boundary), so density is exactly 1.
TEST(Prdc, SetAgainstItself) {
  const auto g = mop::eval::testing::gaussian_rows(300, 8, 11);
  for (int k : {1, 5, 10}) {
    const auto r = prdc(g, g, k_of(k));
    EXPECT_EQ(r.precision, 1.0);
    EXPECT_EQ(r.recall, 1.0);
    EXPECT_EQ(r.coverage, 1.0);
    EXPECT_NEAR(r.density, 1.0, 1e-12) << k;
  }
}

// A synthetic set drawn like the golden one but without one of its clusters: the golden rows of that
// cluster are not covered, so overall coverage drops by about its share, while precision stays high.
TEST(Prdc, DroppedClusterLowersCoverageByItsShare) {
  constexpr int kClusters = 5;
  // Rows around 10 e_c for cluster c (far apart at noise sd 1 in 16-d); in_first: the row is cluster 0's.
  auto draw = [&](long n, unsigned seed, bool drop_first, std::vector<bool>* in_first) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> z;
    std::uniform_int_distribution<int> pick(drop_first ? 1 : 0, kClusters - 1);
    mop::embed::Matrix m(n, 16);
    in_first->clear();
    for (long i = 0; i < n; ++i) {
      const int c = pick(rng);
      for (long j = 0; j < m.cols(); ++j) m(i, j) = z(rng) + (j == c ? 10.f : 0.f);
      in_first->push_back(c == 0);
    }
    return m;
  };
  std::vector<bool> g_first, s_first;
  const auto golden = draw(1000, 1, false, &g_first);
  const auto full = draw(1000, 2, false, &s_first);
  const auto dropped = draw(800, 3, true, &s_first);
  const double share = static_cast<double>(std::count(g_first.begin(), g_first.end(), true)) / 1000.0;

  const auto all = prdc(golden, full), missing = prdc(golden, dropped);
  EXPECT_GT(all.coverage, 0.9);
  EXPECT_NEAR(missing.coverage, all.coverage - share, 0.05) << "share " << share;
  EXPECT_LT(missing.coverage, 0.85);
  EXPECT_NEAR(missing.precision, all.precision, 0.05);  // what is there is still where the golden rows are
  EXPECT_LT(missing.recall, all.recall);
  // The dropped cluster's golden rows, measured alone: none covered.
  EXPECT_EQ(prdc(rows_where(golden, g_first, true), dropped).coverage, 0.0);
}

TEST(Prdc, BadInputsAreUserErrors) {
  const auto g = mop::eval::testing::gaussian_rows(20, 4, 1), s = mop::eval::testing::gaussian_rows(20, 4, 2);
  EXPECT_THROW(prdc(g, s, k_of(0)), mop::Error);
  EXPECT_THROW(prdc(g, s.topRows(5), k_of(5)), mop::Error);  // needs k + 1 rows
  EXPECT_NO_THROW(prdc(g, s.topRows(6), k_of(5)));
  EXPECT_THROW(prdc(g, mop::eval::testing::gaussian_rows(20, 3, 2)), mop::Error);  // widths differ
  mop::embed::Matrix bad = s;
  bad(3, 1) = std::numeric_limits<float>::quiet_NaN();
  try {
    prdc(g, bad);
    FAIL() << "no error for a NaN";
  } catch (const mop::Error& e) {
    EXPECT_NE(std::string(e.what()).find("synthetic set has a NaN"), std::string::npos) << e.what();
  }
}
