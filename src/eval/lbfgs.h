#pragma once
// A small L-BFGS minimiser (Nocedal & Wright, Alg. 7.4) with a backtracking Armijo line search,
// enough for smooth convex objectives such as L2-regularised softmax regression.
#include <functional>

#include <Eigen/Dense>

namespace mop::eval::detail {

// Returns f(x) and, when grad is non-null, writes the gradient there.
using Objective = std::function<double(const Eigen::VectorXd& x, Eigen::VectorXd* grad)>;

struct LbfgsResult {
  double value = 0;
  int iterations = 0;
  bool converged = false;  // gradient max-norm reached the tolerance
};

// Minimises f from x (updated in place).
LbfgsResult minimize_lbfgs(const Objective& f, Eigen::VectorXd& x, int max_iter, double grad_tol,
                           int history);

}  // namespace mop::eval::detail
