// The report's geometry: covariance ellipses and the 2-D PCA projection of the scatter figure.
#include <cmath>
#include <numbers>

#include "eval/scatter.h"
#include "mop/error.h"
#include "mop/report.h"

namespace mop::report {

Ellipse covariance_ellipse(const Eigen::Vector2d& mean, const Eigen::Matrix2d& cov, double n_std) {
  const Eigen::SelfAdjointEigenSolver<Eigen::Matrix2d> eig(cov);  // eigenvalues ascending
  const Eigen::Vector2d major = eig.eigenvectors().col(1);
  double angle = std::atan2(major.y(), major.x()) * 180.0 / std::numbers::pi;
  // An axis has no direction: fold the angle into (-90, 90].
  if (angle <= -90) angle += 180;
  if (angle > 90) angle -= 180;
  Ellipse e;
  e.cx = mean.x();
  e.cy = mean.y();
  e.rx = n_std * std::sqrt(std::max(0.0, eig.eigenvalues()(1)));
  e.ry = n_std * std::sqrt(std::max(0.0, eig.eigenvalues()(0)));
  e.angle_deg = angle;
  return e;
}

Ellipse points_ellipse(const Eigen::MatrixX2d& points, double n_std) {
  if (points.rows() < 2) throw Error("an ellipse needs at least 2 points");
  const Eigen::RowVector2d mean = points.colwise().mean();
  const Eigen::MatrixX2d centred = points.rowwise() - mean;
  const Eigen::Matrix2d cov = centred.transpose() * centred / static_cast<double>(points.rows() - 1);
  return covariance_ellipse(mean.transpose(), cov, n_std);
}

std::vector<Eigen::Vector2d> ellipse_outline(const Ellipse& e, int n) {
  const double a = e.angle_deg * std::numbers::pi / 180.0;
  const double c = std::cos(a), s = std::sin(a);
  std::vector<Eigen::Vector2d> out;
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const double t = 2.0 * std::numbers::pi * i / n;
    const double u = e.rx * std::cos(t), v = e.ry * std::sin(t);
    out.emplace_back(e.cx + c * u - s * v, e.cy + s * u + c * v);
  }
  return out;
}

Pca2 fit_pca2(const std::vector<const embed::Matrix*>& sets) {
  long rows = 0, dim = -1;
  for (const auto* s : sets) {
    if (dim >= 0 && s->cols() != dim) throw Error("PCA: the sets have different widths");
    dim = s->cols();
    rows += s->rows();
  }
  if (rows < 2 || dim < 1) throw Error("PCA: needs at least 2 rows");
  Eigen::MatrixXd x(rows, dim);
  long at = 0;
  for (const auto* s : sets) {
    x.middleRows(at, s->rows()) = s->cast<double>();
    at += s->rows();
  }
  Pca2 p;
  p.mean = x.colwise().mean();
  x.rowwise() -= p.mean;
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(eval::detail::scatter(x));
  const Eigen::VectorXd values = eig.eigenvalues().cwiseMax(0.0);
  const double total = values.sum();
  p.axes = Eigen::Matrix<double, Eigen::Dynamic, 2>::Zero(dim, 2);
  for (int j = 0; j < 2 && j < dim; ++j) {
    Eigen::VectorXd axis = eig.eigenvectors().col(dim - 1 - j);
    // Eigenvectors have no sign: make the largest component positive so the picture is stable.
    Eigen::Index big = 0;
    axis.cwiseAbs().maxCoeff(&big);
    if (axis(big) < 0) axis = -axis;
    p.axes.col(j) = axis;
    p.explained[static_cast<std::size_t>(j)] = total > 0 ? values(dim - 1 - j) / total : 0.0;
  }
  return p;
}

Eigen::MatrixX2d project(const Pca2& pca, const embed::Matrix& rows) {
  if (rows.cols() != pca.mean.size()) throw Error("PCA: rows have another width than the fitted sets");
  return (rows.cast<double>().rowwise() - pca.mean) * pca.axes;
}

}  // namespace mop::report
