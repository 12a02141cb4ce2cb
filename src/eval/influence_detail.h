#pragma once
// The pieces of the influence estimate (mop/influence.h), exposed so tests can check them by
// finite differences. theta has softmax_objective's layout: W (dim x classes, column-major), then b.
#include <vector>

#include <Eigen/Dense>

namespace mop::eval::detail {

// Class probabilities softmax(x_i W + b), one row per input row.
Eigen::MatrixXd softmax_probabilities(const Eigen::VectorXd& theta, const Eigen::MatrixXd& x, int classes);

// Reverse cross-entropy of one example, -A (1 - p_y), A = log_zero < 0.
double rce_loss(const Eigen::VectorXd& theta, const Eigen::RowVectorXd& x, int y, int classes, double log_zero);

// Per-example gradients with respect to theta, one column per row of x:
//   CE:  J_i^T (p_i - e_y)             RCE: J_i^T (-A p_iy) (p_i - e_y)
// (J_i the Jacobian of the logits; no regularisation term).
Eigen::MatrixXd ce_gradients(const Eigen::MatrixXd& prob, const Eigen::MatrixXd& x, const std::vector<int>& y);
Eigen::MatrixXd rce_gradients(const Eigen::MatrixXd& prob, const Eigen::MatrixXd& x, const std::vector<int>& y,
                              double log_zero);

// Exact Hessian of softmax_objective (mean CE + (l2 / 2) ||W||^2) at theta:
//   (1/n) sum_i J_i^T (diag p_i - p_i p_i^T) J_i + l2 on W's diagonal.
Eigen::MatrixXd softmax_hessian(const Eigen::MatrixXd& prob, const Eigen::MatrixXd& x, double l2);

}  // namespace mop::eval::detail
