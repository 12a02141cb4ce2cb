#pragma once
// The softmax-regression objective, exposed so a test can check its gradient.
#include <vector>

#include <Eigen/Dense>

namespace mop::eval::detail {

// theta = [W (dim x classes, column-major), b (classes)]. Returns
//   mean_i -log softmax(x_i W + b)[y_i] + (l2 / 2) ||W||^2
// and, when grad is non-null, its gradient in the same layout.
double softmax_objective(const Eigen::VectorXd& theta, const Eigen::MatrixXd& x,
                         const std::vector<int>& y, int classes, double l2, Eigen::VectorXd* grad);

}  // namespace mop::eval::detail
