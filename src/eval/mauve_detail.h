#pragma once
// MAUVE's stages, exposed for tests: PCA reduction, faiss k-means labels, and the curve stage.
#include <vector>

#include <Eigen/Dense>

#include "mop/metrics.h"

namespace mop::eval::detail {

// Rows projected on the fewest leading principal components (of the centred rows) whose
// cumulative explained-variance ratio reaches `fraction`, as sklearn PCA(whiten=False) followed
// by mauve's argmax(cumsum >= fraction) + 1. Returned as float, ready for faiss.
embed::Matrix pca_reduce(const Eigen::MatrixXd& x, double fraction);

// faiss k-means on the rows of x (k <= rows), then each row's nearest centroid.
std::vector<int> kmeans_labels(const embed::Matrix& x, int k, int niter, int nredo, int seed);

// numpy.linspace(start, stop, num), element for element.
std::vector<double> linspace(double start, double stop, int num);

// Area under (x, y) after sorting by x (ties: larger y first), by the trapezoid rule.
double sorted_area(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace mop::eval::detail
