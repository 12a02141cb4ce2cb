// The report's geometry: 2-SD ellipses of known covariances, the 2-D PCA, ticks and number text.
#include <gtest/gtest.h>

#include <cmath>

#include "mop/error.h"
#include "mop/report.h"

using mop::report::covariance_ellipse;
using mop::report::Ellipse;

TEST(ReportEllipse, AxisAlignedCovariance) {
  const Ellipse e = covariance_ellipse({1, 2}, (Eigen::Matrix2d() << 4, 0, 0, 1).finished());
  EXPECT_DOUBLE_EQ(e.cx, 1);
  EXPECT_DOUBLE_EQ(e.cy, 2);
  EXPECT_NEAR(e.rx, 4, 1e-12);  // 2 * sqrt(4)
  EXPECT_NEAR(e.ry, 2, 1e-12);  // 2 * sqrt(1)
  EXPECT_NEAR(std::fmod(e.angle_deg + 180, 180), 0, 1e-9);
}

TEST(ReportEllipse, MajorAxisAlongY) {
  const Ellipse e = covariance_ellipse({0, 0}, (Eigen::Matrix2d() << 1, 0, 0, 9).finished(), 1.0);
  EXPECT_NEAR(e.rx, 3, 1e-12);
  EXPECT_NEAR(e.ry, 1, 1e-12);
  EXPECT_NEAR(e.angle_deg, 90, 1e-9);
}

TEST(ReportEllipse, CorrelatedCovarianceTurnsByFortyFiveDegrees) {
  const Ellipse up = covariance_ellipse({0, 0}, (Eigen::Matrix2d() << 2, 1, 1, 2).finished());
  EXPECT_NEAR(up.rx, 2 * std::sqrt(3.0), 1e-12);
  EXPECT_NEAR(up.ry, 2, 1e-12);
  EXPECT_NEAR(up.angle_deg, 45, 1e-9);
  const Ellipse down = covariance_ellipse({0, 0}, (Eigen::Matrix2d() << 2, -1, -1, 2).finished());
  EXPECT_NEAR(down.angle_deg, -45, 1e-9);
}

TEST(ReportEllipse, OutlineLiesAtTwoMahalanobisUnits) {
  const Eigen::Matrix2d cov = (Eigen::Matrix2d() << 3, 1.2, 1.2, 1).finished();
  const Eigen::Vector2d mean(-0.5, 4);
  const auto outline = mop::report::ellipse_outline(covariance_ellipse(mean, cov), 36);
  ASSERT_EQ(outline.size(), 36u);
  const Eigen::Matrix2d inv = cov.inverse();
  for (const auto& p : outline) EXPECT_NEAR((p - mean).dot(inv * (p - mean)), 4.0, 1e-9);
}

TEST(ReportEllipse, FromPointsUsesTheSampleCovariance) {
  Eigen::MatrixX2d pts(4, 2);
  pts << 1, 0, -1, 0, 0, 2, 0, -2;  // mean 0, sample covariance diag(2/3, 8/3)
  const Ellipse e = mop::report::points_ellipse(pts);
  EXPECT_NEAR(e.cx, 0, 1e-12);
  EXPECT_NEAR(e.rx, 2 * std::sqrt(8.0 / 3), 1e-12);
  EXPECT_NEAR(e.ry, 2 * std::sqrt(2.0 / 3), 1e-12);
  EXPECT_NEAR(e.angle_deg, 90, 1e-9);
  EXPECT_THROW(mop::report::points_ellipse(pts.topRows(1)), mop::Error);
}

TEST(ReportPca, FindsTheSpreadAxesAndTheirShares) {
  // x = (3t, s, 0) for t in {-1, 0, 1}, s in {-1, 1}: scatter 36 along e1, 6 along e2.
  mop::embed::Matrix a(3, 3), b(3, 3);
  a << -3, -1, 0, 0, -1, 0, 3, -1, 0;
  b << -3, 1, 0, 0, 1, 0, 3, 1, 0;
  const auto pca = mop::report::fit_pca2({&a, &b});
  EXPECT_NEAR(pca.axes(0, 0), 1, 1e-9);
  EXPECT_NEAR(pca.axes(1, 1), 1, 1e-9);
  EXPECT_NEAR(pca.explained[0], 36.0 / 42, 1e-9);
  EXPECT_NEAR(pca.explained[1], 6.0 / 42, 1e-9);
  const Eigen::MatrixX2d p = mop::report::project(pca, b);
  EXPECT_NEAR(p(2, 0), 3, 1e-9);
  EXPECT_NEAR(p(2, 1), 1, 1e-9);
  mop::embed::Matrix wide(2, 4);
  wide.setOnes();
  EXPECT_THROW(mop::report::fit_pca2({&a, &wide}), mop::Error);
}

TEST(ReportTicks, RoundStepsCoverTheRange) {
  const auto t = mop::report::nice_ticks(0, 0.93);
  EXPECT_DOUBLE_EQ(t.lo, 0);
  EXPECT_NEAR(t.hi, 1, 1e-12);
  ASSERT_EQ(t.ticks.size(), 6u);
  EXPECT_NEAR(t.ticks[1], 0.2, 1e-12);
  const auto u = mop::report::nice_ticks(-1.3, 1.7);
  EXPECT_LE(u.lo, -1.3);
  EXPECT_GE(u.hi, 1.7);
  for (std::size_t i = 1; i < u.ticks.size(); ++i) EXPECT_NEAR(u.ticks[i] - u.ticks[i - 1], 1, 1e-12);
  const auto flat = mop::report::nice_ticks(2, 2);  // one value still gets an axis
  EXPECT_LT(flat.lo, 2);
  EXPECT_GT(flat.hi, 2);
}

TEST(ReportText, NumbersAndEscaping) {
  EXPECT_EQ(mop::report::num(0.25), "0.25");
  EXPECT_EQ(mop::report::num(3.0), "3");
  EXPECT_EQ(mop::report::num(-0.0001), "0");
  EXPECT_EQ(mop::report::num(12.345, 1), "12.3");
  EXPECT_EQ(mop::report::escape("<a & \"b\" 'c'>"), "&lt;a &amp; &quot;b&quot; &#39;c&#39;&gt;");
}
