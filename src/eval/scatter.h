#pragma once
// X^T X for a tall matrix, the costly step of both FID's covariances and MAUVE's PCA.
#include <Eigen/Dense>

namespace mop::eval::detail {

// Full symmetric X^T X (cols x cols), computed by the BLAS rank-k update that faiss already links
// (Eigen's own is several times slower without -march flags).
Eigen::MatrixXd scatter(const Eigen::MatrixXd& x);

}  // namespace mop::eval::detail
