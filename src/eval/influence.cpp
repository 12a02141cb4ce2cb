// Koh & Liang influence on the softmax classifier with a reverse-cross-entropy validation loss
// (see mop/influence.h for the estimator and why).
#include "mop/influence.h"

#include <cmath>
#include <map>

#include "eval/influence_detail.h"
#include "mop/error.h"

namespace mop::eval {

namespace detail {

Eigen::MatrixXd softmax_probabilities(const Eigen::VectorXd& theta, const Eigen::MatrixXd& x, int classes) {
  const long d = x.cols();
  const Eigen::Map<const Eigen::MatrixXd> w(theta.data(), d, classes);
  Eigen::MatrixXd z = x * w;
  z.rowwise() += theta.tail(classes).transpose();
  z.colwise() -= z.rowwise().maxCoeff();  // no overflow in exp
  z = z.array().exp().matrix();
  z.array().colwise() /= z.rowwise().sum().array();
  return z;
}

double rce_loss(const Eigen::VectorXd& theta, const Eigen::RowVectorXd& x, int y, int classes, double log_zero) {
  const Eigen::MatrixXd p = softmax_probabilities(theta, Eigen::MatrixXd(x), classes);
  return -log_zero * (1.0 - p(0, y));
}

namespace {

// J_i^T r_i for every row i: W's block of class c is x_i r_ic, b's entry c is r_ic.
Eigen::MatrixXd pull_back(const Eigen::MatrixXd& r, const Eigen::MatrixXd& x) {
  const long n = x.rows(), d = x.cols(), classes = r.cols();
  Eigen::MatrixXd g(d * classes + classes, n);
  for (long c = 0; c < classes; ++c) {
    g.block(c * d, 0, d, n) = (x.transpose().array().rowwise() * r.col(c).transpose().array()).matrix();
    g.row(d * classes + c) = r.col(c).transpose();
  }
  return g;
}

// d CE / d logits: p_i - e_y.
Eigen::MatrixXd ce_residuals(const Eigen::MatrixXd& prob, const std::vector<int>& y) {
  Eigen::MatrixXd r = prob;
  for (long i = 0; i < r.rows(); ++i) r(i, y[static_cast<size_t>(i)]) -= 1.0;
  return r;
}

}  // namespace

Eigen::MatrixXd ce_gradients(const Eigen::MatrixXd& prob, const Eigen::MatrixXd& x, const std::vector<int>& y) {
  return pull_back(ce_residuals(prob, y), x);
}

Eigen::MatrixXd rce_gradients(const Eigen::MatrixXd& prob, const Eigen::MatrixXd& x, const std::vector<int>& y,
                              double log_zero) {
  // RCE = -A (1 - p_y); d p_y / dz = p_y (e_y - p), so d RCE / dz = -A p_y (p - e_y).
  Eigen::MatrixXd r = ce_residuals(prob, y);
  for (long i = 0; i < r.rows(); ++i) r.row(i) *= -log_zero * prob(i, y[static_cast<size_t>(i)]);
  return pull_back(r, x);
}

Eigen::MatrixXd softmax_hessian(const Eigen::MatrixXd& prob, const Eigen::MatrixXd& x, double l2) {
  const long n = x.rows(), d = x.cols(), classes = prob.cols(), bias = d * classes;
  Eigen::MatrixXd h = Eigen::MatrixXd::Zero(bias + classes, bias + classes);
  const double inv_n = 1.0 / static_cast<double>(n);
  for (long c = 0; c < classes; ++c)
    for (long k = c; k < classes; ++k) {
      // d^2 CE / dz_c dz_k = p_c (delta_ck - p_k), per row.
      Eigen::VectorXd a = -prob.col(c).cwiseProduct(prob.col(k));
      if (c == k) a += prob.col(c);
      const Eigen::MatrixXd ww = x.transpose() * a.asDiagonal() * x * inv_n;
      const Eigen::VectorXd wb = x.transpose() * a * inv_n;
      h.block(c * d, k * d, d, d) = ww;
      h.block(c * d, bias + k, d, 1) = wb;
      h.block(k * d, bias + c, d, 1) = wb;
      h(bias + c, bias + k) = a.sum() * inv_n;
      if (c != k) {
        h.block(k * d, c * d, d, d) = ww.transpose();
        h(bias + k, bias + c) = h(bias + c, bias + k);
      }
    }
  // The bias rows of the mixed blocks mirror the columns.
  h.bottomLeftCorner(classes, bias) = h.topRightCorner(bias, classes).transpose();
  h.topLeftCorner(bias, bias).diagonal().array() += l2;
  return h;
}

}  // namespace detail

InfluenceResult helpfulness(const embed::Matrix& x, const std::vector<std::string>& labels,
                            const InfluenceOptions& options) {
  if (static_cast<size_t>(x.rows()) != labels.size())
    throw Error("influence: " + std::to_string(x.rows()) + " rows but " + std::to_string(labels.size()) + " labels");
  if (x.rows() < 2) throw Error("influence: needs at least two training rows");
  if (!(options.rce_log_zero < 0) || !std::isfinite(options.rce_log_zero))
    throw Error("influence: the RCE clip A must be a finite negative number");
  if (!(options.damping >= 0) || !std::isfinite(options.damping)) throw Error("influence: damping must be >= 0");

  const auto model = SoftmaxClassifier::fit(x, labels, options.classifier);
  const auto& classes = model.classes();
  const int c = static_cast<int>(classes.size());
  std::map<std::string, int> index;
  for (int k = 0; k < c; ++k) index[classes[static_cast<size_t>(k)]] = k;
  std::vector<int> y(labels.size());
  for (size_t i = 0; i < labels.size(); ++i) y[i] = index.at(labels[i]);

  const long n = x.rows(), d = x.cols();
  Eigen::VectorXd theta(d * c + c);
  Eigen::Map<Eigen::MatrixXd>(theta.data(), d, c) = model.weights();
  theta.tail(c) = model.bias();
  const Eigen::MatrixXd xd = x.cast<double>();
  const Eigen::MatrixXd prob = detail::softmax_probabilities(theta, xd, c);
  const Eigen::MatrixXd g_ce = detail::ce_gradients(prob, xd, y);
  const Eigen::MatrixXd g_rce = detail::rce_gradients(prob, xd, y, options.rce_log_zero);
  Eigen::MatrixXd h = detail::softmax_hessian(prob, xd, options.classifier.l2);
  h.diagonal().array() += options.damping;
  const Eigen::MatrixXd h_inv_g = h.ldlt().solve(g_ce);  // H^-1 grad CE(z_i), one column per row
  const Eigen::VectorXd g_sum = g_rce.rowwise().sum();

  InfluenceResult out;
  out.classes = classes;
  out.iterations = model.iterations();
  out.converged = model.converged();
  out.helpfulness.resize(static_cast<size_t>(n));
  for (long i = 0; i < n; ++i) {
    out.helpfulness[static_cast<size_t>(i)] = (g_sum - g_rce.col(i)).dot(h_inv_g.col(i)) / static_cast<double>(n - 1);
    out.validation_rce += -options.rce_log_zero * (1.0 - prob(i, y[static_cast<size_t>(i)]));
  }
  out.validation_rce /= static_cast<double>(n);
  return out;
}

}  // namespace mop::eval
