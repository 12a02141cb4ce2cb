#include "eval/scatter.h"

// Fortran BLAS symbol, declared as faiss declares its own (no hidden string lengths: single chars).
extern "C" void dsyrk_(const char* uplo, const char* trans, const int* n, const int* k, const double* alpha,
                       const double* a, const int* lda, const double* beta, double* c, const int* ldc);

namespace mop::eval::detail {

Eigen::MatrixXd scatter(const Eigen::MatrixXd& x) {
  const int n = static_cast<int>(x.cols()), k = static_cast<int>(x.rows());
  Eigen::MatrixXd c = Eigen::MatrixXd::Zero(n, n);
  if (k == 0 || n == 0) return c;
  const double one = 1.0, zero = 0.0;
  const int lda = k;
  // Column-major x is k x n, so "T" gives x^T x; only the lower triangle is written.
  dsyrk_("L", "T", &n, &k, &one, x.data(), &lda, &zero, c.data(), &n);
  c.triangularView<Eigen::StrictlyUpper>() = c.transpose();
  return c;
}

}  // namespace mop::eval::detail
