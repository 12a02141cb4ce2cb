#pragma once
// The pieces of FID, exposed so tests can check them against closed forms.
#include <Eigen/Dense>

#include "mop/embed.h"
#include "mop/metrics.h"

namespace mop::eval::detail {

struct Moments {
  Eigen::VectorXd mean;
  Eigen::MatrixXd cov;  // sample covariance, divisor n - 1
};

// Mean and sample covariance of the rows, in double. Needs at least 2 rows.
Moments moments(const embed::Matrix& x);

// Tr((A B)^(1/2)) for symmetric positive semi-definite A, B, as Tr sqrt(A^(1/2) B A^(1/2)).
double trace_sqrt_product(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b);

FidResult fid_from_moments(const Moments& golden, const Moments& synthetic);

}  // namespace mop::eval::detail
