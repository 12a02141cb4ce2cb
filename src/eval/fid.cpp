#include <algorithm>
#include <cmath>

#include "eval/check.h"
#include "eval/fid_detail.h"
#include "eval/scatter.h"

namespace mop::eval {
namespace detail {

Moments moments(const embed::Matrix& x) {
  const Eigen::MatrixXd xd = x.cast<double>();
  Moments m;
  m.mean = xd.colwise().mean().transpose();
  const Eigen::MatrixXd centred = xd.rowwise() - m.mean.transpose();
  m.cov = scatter(centred) / static_cast<double>(x.rows() - 1);
  return m;
}

double trace_sqrt_product(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> ea(a);
  // Rounding makes zero eigenvalues of a PSD matrix slightly negative; they are zero.
  const Eigen::VectorXd root = ea.eigenvalues().cwiseMax(0.0).cwiseSqrt();
  const Eigen::MatrixXd a_half = ea.eigenvectors() * root.asDiagonal() * ea.eigenvectors().transpose();
  Eigen::MatrixXd m = a_half * b * a_half;
  m = 0.5 * (m + m.transpose());  // exact symmetry for the solver
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> em(m, Eigen::EigenvaluesOnly);
  return em.eigenvalues().cwiseMax(0.0).cwiseSqrt().sum();
}

FidResult fid_from_moments(const Moments& golden, const Moments& synthetic) {
  FidResult r;
  r.mean_term = (golden.mean - synthetic.mean).squaredNorm();
  r.trace_term = golden.cov.trace() + synthetic.cov.trace() -
                 2.0 * trace_sqrt_product(golden.cov, synthetic.cov);
  // The distance is non-negative; a negative total can only be rounding.
  r.fid = std::max(0.0, r.mean_term + r.trace_term);
  return r;
}

}  // namespace detail

FidResult fid(const embed::Matrix& golden, const embed::Matrix& synthetic) {
  detail::check_pair(golden, synthetic, "FID", 2);
  return detail::fid_from_moments(detail::moments(golden), detail::moments(synthetic));
}

}  // namespace mop::eval
