// The influence estimate behind ProGen's feedback: its gradients and Hessian against finite
// differences, its prediction against actually retraining with a sample upweighted, and a planted
// mislabeled sample that must come out harmful.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "eval/influence_detail.h"
#include "eval/lbfgs.h"
#include "eval/softmax_detail.h"
#include "mop/error.h"
#include "mop/influence.h"
#include "test_metrics_gen.h"

using mop::eval::testing::gaussian_rows;
namespace detail = mop::eval::detail;

namespace {

Eigen::VectorXd random_theta(long size, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal(0, 0.7);
  Eigen::VectorXd theta(size);
  for (auto& v : theta) v = normal(rng);
  return theta;
}

// Two classes along axis 0, `per_class` rows each; row `flip` (a "pos" row) labelled "neg".
void planted(long per_class, long d, long flip, mop::embed::Matrix& x, std::vector<std::string>& y) {
  x.resize(2 * per_class, d);
  x.topRows(per_class) = gaussian_rows(per_class, d, 11, 0.6f, -1.5f, 0);
  x.bottomRows(per_class) = gaussian_rows(per_class, d, 12, 0.6f, 1.5f, 0);
  y.assign(static_cast<size_t>(per_class), "neg");
  y.insert(y.end(), static_cast<size_t>(per_class), "pos");
  if (flip >= 0) y[static_cast<size_t>(flip)] = "neg";
}

}  // namespace

TEST(Influence, PerSampleGradientsMatchFiniteDifferences) {
  const int n = 6, d = 4, classes = 3;
  const Eigen::MatrixXd x = gaussian_rows(n, d, 5).cast<double>();
  const std::vector<int> y = {0, 1, 2, 2, 1, 0};
  const Eigen::VectorXd theta = random_theta(d * classes + classes, 9);
  const double a = -4;
  const Eigen::MatrixXd prob = detail::softmax_probabilities(theta, x, classes);
  const Eigen::MatrixXd g_ce = detail::ce_gradients(prob, x, y), g_rce = detail::rce_gradients(prob, x, y, a);
  ASSERT_EQ(g_ce.rows(), theta.size());
  ASSERT_EQ(g_ce.cols(), n);
  const double h = 1e-6;
  for (int i = 0; i < n; ++i) {
    const Eigen::MatrixXd row = x.row(i);
    const std::vector<int> yi = {y[static_cast<size_t>(i)]};
    for (long k = 0; k < theta.size(); ++k) {
      Eigen::VectorXd up = theta, down = theta;
      up(k) += h;
      down(k) -= h;
      // CE of one row is softmax_objective on that row alone without the penalty.
      const double fd_ce = (detail::softmax_objective(up, row, yi, classes, 0, nullptr) -
                            detail::softmax_objective(down, row, yi, classes, 0, nullptr)) / (2 * h);
      const double fd_rce = (detail::rce_loss(up, x.row(i), yi[0], classes, a) -
                             detail::rce_loss(down, x.row(i), yi[0], classes, a)) / (2 * h);
      EXPECT_NEAR(g_ce(k, i), fd_ce, 1e-7) << "CE, row " << i << ", coordinate " << k;
      EXPECT_NEAR(g_rce(k, i), fd_rce, 1e-7) << "RCE, row " << i << ", coordinate " << k;
    }
  }
}

TEST(Influence, HessianMatchesFiniteDifferencesOfTheGradient) {
  const int n = 15, d = 3, classes = 3;
  const Eigen::MatrixXd x = gaussian_rows(n, d, 21).cast<double>();
  std::vector<int> y(n);
  for (int i = 0; i < n; ++i) y[static_cast<size_t>(i)] = (i * 7) % classes;
  const Eigen::VectorXd theta = random_theta(d * classes + classes, 4);
  const double l2 = 0.3;
  const Eigen::MatrixXd hess = detail::softmax_hessian(detail::softmax_probabilities(theta, x, classes), x, l2);
  ASSERT_EQ(hess.rows(), theta.size());
  const double h = 1e-5;
  for (long k = 0; k < theta.size(); ++k) {
    Eigen::VectorXd up = theta, down = theta, g_up, g_down;
    up(k) += h;
    down(k) -= h;
    detail::softmax_objective(up, x, y, classes, l2, &g_up);
    detail::softmax_objective(down, x, y, classes, l2, &g_down);
    const Eigen::VectorXd column = (g_up - g_down) / (2 * h);
    for (long m = 0; m < theta.size(); ++m) EXPECT_NEAR(hess(m, k), column(m), 1e-7) << "entry " << m << ", " << k;
  }
  EXPECT_LT((hess - hess.transpose()).cwiseAbs().maxCoeff(), 1e-12);
}

// helpfulness(z_i) must predict what retraining with z_i upweighted by eps does to the validation
// RCE of the other rows: a decrease of eps * helpfulness to first order.
TEST(Influence, PredictsTheEffectOfRetrainingWithASampleUpweighted) {
  const long per_class = 12, d = 3;
  mop::embed::Matrix x;
  std::vector<std::string> labels;
  planted(per_class, d, 20, x, labels);
  mop::eval::InfluenceOptions options;
  options.classifier.l2 = 0.05;  // well conditioned: the retrained optimum is exact to ~1e-10
  options.classifier.tolerance = 1e-9;
  options.classifier.max_iter = 5000;
  const auto result = mop::eval::helpfulness(x, labels, options);
  ASSERT_TRUE(result.converged);  // gradient max-norm 1e-9: theta is exact to ~1e-8

  const long n = x.rows(), classes = 2, p = d * classes + classes;
  const Eigen::MatrixXd xd = x.cast<double>();
  std::vector<int> y(static_cast<size_t>(n));
  for (long i = 0; i < n; ++i) y[static_cast<size_t>(i)] = labels[static_cast<size_t>(i)] == "pos";
  const auto fit = [&](long upweighted, double eps) {
    Eigen::VectorXd theta = Eigen::VectorXd::Zero(p);
    const Eigen::MatrixXd row = xd.row(upweighted);
    const std::vector<int> yi = {y[static_cast<size_t>(upweighted)]};
    const auto objective = [&](const Eigen::VectorXd& t, Eigen::VectorXd* g) {
      Eigen::VectorXd g_extra;
      double f = detail::softmax_objective(t, xd, y, classes, options.classifier.l2, g);
      f += eps * detail::softmax_objective(t, row, yi, classes, 0, g ? &g_extra : nullptr);
      if (g) *g += eps * g_extra;
      return f;
    };
    EXPECT_TRUE(detail::minimize_lbfgs(objective, theta, 5000, 1e-9, 10).converged);
    return theta;
  };
  const auto validation = [&](const Eigen::VectorXd& theta, long left_out) {
    double sum = 0;
    for (long j = 0; j < n; ++j)
      if (j != left_out) sum += detail::rce_loss(theta, xd.row(j), y[static_cast<size_t>(j)], classes, -4);
    return sum / static_cast<double>(n - 1);
  };
  const double eps = 1e-3;
  int checked = 0;
  for (long i : {0L, 5L, 13L, 20L}) {
    const double before = validation(fit(i, 0), i), after = validation(fit(i, eps), i);
    const double predicted = -eps * result.helpfulness[static_cast<size_t>(i)];
    EXPECT_NEAR(after - before, predicted, 0.02 * std::abs(predicted)) << "row " << i;
    EXPECT_GT(std::abs(predicted), 1e-7) << "row " << i << ": a vacuous check";
    ++checked;
  }
  EXPECT_EQ(checked, 4);
}

TEST(Influence, AMislabeledSampleIsTheMostHarmful) {
  const long per_class = 15, d = 6, flip = 22;  // a clear "pos" row labelled "neg"
  mop::embed::Matrix x;
  std::vector<std::string> labels;
  planted(per_class, d, flip, x, labels);
  const auto result = mop::eval::helpfulness(x, labels);
  ASSERT_EQ(result.helpfulness.size(), static_cast<size_t>(2 * per_class));
  EXPECT_EQ(result.classes, (std::vector<std::string>{"neg", "pos"}));
  EXPECT_LT(result.helpfulness[flip], 0) << "the mislabeled row hurts the validation loss";
  // It is the least helpful row of all, and most correct rows help.
  const auto lowest = std::min_element(result.helpfulness.begin(), result.helpfulness.end());
  EXPECT_EQ(lowest - result.helpfulness.begin(), flip);
  const long helping = std::count_if(result.helpfulness.begin(), result.helpfulness.end(), [](double h) { return h > 0; });
  EXPECT_GT(helping, per_class);
  // Without the flip the same row is helpful: the sign comes from the label, not the point.
  std::vector<std::string> clean = labels;
  clean[flip] = "pos";
  EXPECT_GT(mop::eval::helpfulness(x, clean).helpfulness[flip], 0);
}

TEST(Influence, BadInputIsAnError) {
  const mop::embed::Matrix x = gaussian_rows(4, 2, 1);
  EXPECT_THROW(mop::eval::helpfulness(x, {"a", "b", "a"}), mop::Error);
  EXPECT_THROW(mop::eval::helpfulness(x, {"a", "a", "a", "a"}), mop::Error);  // one class
  mop::eval::InfluenceOptions o;
  o.rce_log_zero = 0;
  EXPECT_THROW(mop::eval::helpfulness(x, {"a", "b", "a", "b"}, o), mop::Error);
}
