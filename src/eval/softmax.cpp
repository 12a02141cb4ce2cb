// Multinomial logistic regression trained by L-BFGS.
#include <algorithm>
#include <map>

#include "eval/check.h"
#include "eval/lbfgs.h"
#include "eval/softmax_detail.h"
#include "mop/error.h"
#include "mop/metrics.h"

namespace mop::eval {

namespace detail {

double softmax_objective(const Eigen::VectorXd& theta, const Eigen::MatrixXd& x,
                         const std::vector<int>& y, int classes, double l2, Eigen::VectorXd* grad) {
  const long n = x.rows(), d = x.cols();
  const Eigen::Map<const Eigen::MatrixXd> w(theta.data(), d, classes);
  const auto b = theta.tail(classes);

  Eigen::MatrixXd z = x * w;
  z.rowwise() += b.transpose();
  // Log-sum-exp with the row maximum taken out, so large logits do not overflow.
  const Eigen::VectorXd top = z.rowwise().maxCoeff();
  z.colwise() -= top;
  Eigen::MatrixXd prob = z.array().exp().matrix();
  const Eigen::VectorXd sums = prob.rowwise().sum();
  double loss = 0;
  for (long i = 0; i < n; ++i) loss += std::log(sums(i)) - z(i, y[static_cast<size_t>(i)]);
  loss = loss / static_cast<double>(n) + 0.5 * l2 * w.squaredNorm();

  if (grad != nullptr) {
    prob.array().colwise() /= sums.array();
    for (long i = 0; i < n; ++i) prob(i, y[static_cast<size_t>(i)]) -= 1.0;
    grad->resize(theta.size());
    Eigen::Map<Eigen::MatrixXd> gw(grad->data(), d, classes);
    gw.noalias() = x.transpose() * prob / static_cast<double>(n);
    gw += l2 * w;
    grad->tail(classes) = prob.colwise().sum().transpose() / static_cast<double>(n);
  }
  return loss;
}

}  // namespace detail

SoftmaxClassifier SoftmaxClassifier::fit(const embed::Matrix& x, const std::vector<std::string>& labels,
                                         const SoftmaxOptions& options) {
  detail::check_set(x, "softmax classifier", "training");
  if (static_cast<size_t>(x.rows()) != labels.size())
    throw Error("softmax classifier: " + std::to_string(x.rows()) + " training rows but " +
                std::to_string(labels.size()) + " labels");
  if (!(options.l2 >= 0)) throw Error("softmax classifier: l2 must be non-negative");
  if (options.max_iter < 1 || options.history < 1)
    throw Error("softmax classifier: max_iter and history must be at least 1");

  SoftmaxClassifier model;
  model.classes_ = labels;
  std::sort(model.classes_.begin(), model.classes_.end());
  model.classes_.erase(std::unique(model.classes_.begin(), model.classes_.end()), model.classes_.end());
  if (model.classes_.size() < 2)
    throw Error("softmax classifier: the training labels hold only one class; it needs two or more");

  std::map<std::string, int> index;
  for (size_t c = 0; c < model.classes_.size(); ++c) index[model.classes_[c]] = static_cast<int>(c);
  std::vector<int> y(labels.size());
  for (size_t i = 0; i < labels.size(); ++i) y[i] = index[labels[i]];

  const int classes = static_cast<int>(model.classes_.size());
  const Eigen::MatrixXd xd = x.cast<double>();
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(x.cols() * classes + classes);
  const auto objective = [&](const Eigen::VectorXd& t, Eigen::VectorXd* g) {
    return detail::softmax_objective(t, xd, y, classes, options.l2, g);
  };
  const auto result =
      detail::minimize_lbfgs(objective, theta, options.max_iter, options.tolerance, options.history);

  model.weights_ = Eigen::Map<const Eigen::MatrixXd>(theta.data(), x.cols(), classes);
  model.bias_ = theta.tail(classes);
  model.iterations_ = result.iterations;
  model.converged_ = result.converged;
  model.objective_ = result.value;
  return model;
}

Eigen::MatrixXd SoftmaxClassifier::logits(const embed::Matrix& x) const {
  detail::check_set(x, "softmax classifier", "input");
  if (x.cols() != weights_.rows())
    throw Error("softmax classifier: input width " + std::to_string(x.cols()) +
                " differs from the training width " + std::to_string(weights_.rows()));
  Eigen::MatrixXd z = x.cast<double>() * weights_;
  z.rowwise() += bias_.transpose();
  return z;
}

std::vector<std::string> SoftmaxClassifier::predict(const embed::Matrix& x) const {
  const Eigen::MatrixXd z = logits(x);
  std::vector<std::string> out(static_cast<size_t>(z.rows()));
  for (long i = 0; i < z.rows(); ++i) {
    Eigen::Index best = 0;
    z.row(i).maxCoeff(&best);
    out[static_cast<size_t>(i)] = classes_[static_cast<size_t>(best)];
  }
  return out;
}

Eigen::MatrixXd SoftmaxClassifier::predict_proba(const embed::Matrix& x) const {
  Eigen::MatrixXd z = logits(x);
  z.colwise() -= z.rowwise().maxCoeff();
  z = z.array().exp().matrix();
  z.array().colwise() /= z.rowwise().sum().array();
  return z;
}

double classifier_macro_f1(const embed::Matrix& train_x, const std::vector<std::string>& train_labels,
                           const embed::Matrix& test_x, const std::vector<std::string>& test_labels,
                           const SoftmaxOptions& options) {
  const auto model = SoftmaxClassifier::fit(train_x, train_labels, options);
  return macro_f1(test_labels, model.predict(test_x));
}

}  // namespace mop::eval
