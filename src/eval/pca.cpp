// Exact PCA through the eigen-decomposition of the covariance, in double.
#include <algorithm>

#include "eval/mauve_detail.h"
#include "eval/scatter.h"

namespace mop::eval::detail {

embed::Matrix pca_reduce(const Eigen::MatrixXd& x, double fraction) {
  const Eigen::RowVectorXd mean = x.colwise().mean();
  const Eigen::MatrixXd centred = x.rowwise() - mean;
  // The divisor cancels in the explained-variance ratio, so the scatter matrix will do.
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(scatter(centred));

  // The solver sorts ascending; components are wanted by decreasing variance.
  const long d = x.cols();
  const Eigen::VectorXd values = eig.eigenvalues().reverse().cwiseMax(0.0);
  const double total = values.sum();
  long keep = 1;  // numpy argmax of an all-false mask is 0, i.e. one component
  if (total > 0) {
    double cumulative = 0;
    for (long i = 0; i < d; ++i) {
      cumulative += values(i);
      if (cumulative / total >= fraction) {
        keep = i + 1;
        break;
      }
    }
  }
  const Eigen::MatrixXd basis = eig.eigenvectors().rowwise().reverse().leftCols(keep);
  return (centred * basis).cast<float>();
}

}  // namespace mop::eval::detail
