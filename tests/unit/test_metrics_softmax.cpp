#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "eval/lbfgs.h"
#include "eval/softmax_detail.h"
#include "mop/error.h"
#include "mop/metrics.h"
#include "test_metrics_gen.h"

using mop::eval::SoftmaxClassifier;
using mop::eval::testing::gaussian_rows;

namespace {

// Three well-separated blobs, one per class, `per_class` rows each.
void blobs(long per_class, unsigned seed, mop::embed::Matrix& x, std::vector<std::string>& y) {
  const long d = 8;
  x.resize(3 * per_class, d);
  y.clear();
  const char* names[] = {"cat", "dog", "eel"};
  for (int c = 0; c < 3; ++c) {
    x.middleRows(c * per_class, per_class) = gaussian_rows(per_class, d, seed + c, 0.5f, 5.f, c);
    y.insert(y.end(), per_class, names[c]);
  }
}

}  // namespace

TEST(Softmax, GradientMatchesFiniteDifferences) {
  const int n = 20, d = 5, classes = 3;
  const Eigen::MatrixXd x = gaussian_rows(n, d, 7).cast<double>();
  std::vector<int> y(n);
  for (int i = 0; i < n; ++i) y[i] = i % classes;
  std::mt19937 rng(3);
  std::normal_distribution<double> normal(0, 0.5);
  Eigen::VectorXd theta(d * classes + classes);
  for (auto& v : theta) v = normal(rng);

  const double l2 = 0.1;
  Eigen::VectorXd grad;
  mop::eval::detail::softmax_objective(theta, x, y, classes, l2, &grad);
  ASSERT_EQ(grad.size(), theta.size());
  const double h = 1e-6;
  for (long k = 0; k < theta.size(); ++k) {
    Eigen::VectorXd up = theta, down = theta;
    up(k) += h;
    down(k) -= h;
    const double fd = (mop::eval::detail::softmax_objective(up, x, y, classes, l2, nullptr) -
                       mop::eval::detail::softmax_objective(down, x, y, classes, l2, nullptr)) / (2 * h);
    EXPECT_NEAR(grad(k), fd, 1e-7 * std::max(1.0, std::abs(fd))) << "coordinate " << k;
  }
}

TEST(Softmax, ObjectiveAtZeroIsLogClasses) {
  const Eigen::MatrixXd x = gaussian_rows(10, 3, 1).cast<double>();
  const std::vector<int> y = {0, 1, 2, 3, 0, 1, 2, 3, 0, 1};
  const Eigen::VectorXd theta = Eigen::VectorXd::Zero(3 * 4 + 4);
  EXPECT_NEAR(mop::eval::detail::softmax_objective(theta, x, y, 4, 1.0, nullptr), std::log(4.0), 1e-12);
}

TEST(Lbfgs, MinimisesRosenbrock) {
  const auto f = [](const Eigen::VectorXd& v, Eigen::VectorXd* g) {
    const double a = 1 - v(0), b = v(1) - v(0) * v(0);
    if (g != nullptr) {
      g->resize(2);
      (*g)(0) = -2 * a - 400 * v(0) * b;
      (*g)(1) = 200 * b;
    }
    return a * a + 100 * b * b;
  };
  Eigen::VectorXd x(2);
  x << -1.2, 1.0;
  const auto r = mop::eval::detail::minimize_lbfgs(f, x, 500, 1e-8, 10);
  EXPECT_TRUE(r.converged);
  EXPECT_NEAR(x(0), 1.0, 1e-6);
  EXPECT_NEAR(x(1), 1.0, 1e-6);
}

TEST(Softmax, SeparatesSeparableData) {
  mop::embed::Matrix train, test;
  std::vector<std::string> ytrain, ytest;
  blobs(60, 10, train, ytrain);
  blobs(40, 20, test, ytest);
  const auto model = SoftmaxClassifier::fit(train, ytrain);
  EXPECT_TRUE(model.converged());
  EXPECT_EQ(model.classes(), (std::vector<std::string>{"cat", "dog", "eel"}));
  EXPECT_EQ(model.predict(train), ytrain);
  EXPECT_DOUBLE_EQ(mop::eval::macro_f1(ytest, model.predict(test)), 1.0);
  EXPECT_DOUBLE_EQ(mop::eval::classifier_macro_f1(train, ytrain, test, ytest), 1.0);
  const Eigen::MatrixXd p = model.predict_proba(test);
  ASSERT_EQ(p.cols(), 3);
  for (long i = 0; i < p.rows(); ++i) EXPECT_NEAR(p.row(i).sum(), 1.0, 1e-12);
}

// Labels unrelated to the features: the model cannot do much better than chance on new data.
TEST(Softmax, NoSignalMeansNoSkill) {
  const auto train = gaussian_rows(300, 8, 1);
  const auto test = gaussian_rows(300, 8, 2);
  std::vector<std::string> ytrain, ytest;
  std::mt19937 rng(5);
  for (int i = 0; i < 300; ++i) ytrain.push_back(rng() % 2 ? "x" : "y");
  for (int i = 0; i < 300; ++i) ytest.push_back(rng() % 2 ? "x" : "y");
  EXPECT_LT(mop::eval::classifier_macro_f1(train, ytrain, test, ytest), 0.65);
}

TEST(Softmax, RejectsBadInput) {
  const auto x = gaussian_rows(4, 3, 1);
  EXPECT_THROW(SoftmaxClassifier::fit(x, {"a", "a", "a", "a"}), mop::Error);  // one class
  EXPECT_THROW(SoftmaxClassifier::fit(x, {"a", "b"}), mop::Error);            // count mismatch
  EXPECT_THROW(SoftmaxClassifier::fit(mop::embed::Matrix(0, 3), {}), mop::Error);
  const auto model = SoftmaxClassifier::fit(x, {"a", "b", "a", "b"});
  EXPECT_THROW(model.predict(gaussian_rows(2, 4, 2)), mop::Error);  // width differs
}
