#pragma once
// MAUVE's stages, exposed for tests: PCA reduction, faiss k-means labels, and the curve stage.
#include <functional>
#include <vector>

#include <Eigen/Dense>

#include "mop/metrics.h"

namespace mop::eval::detail {

// Rows projected on the fewest leading principal components (of the centred rows) whose
// cumulative explained-variance ratio reaches `fraction`, as sklearn PCA(whiten=False) followed
// by mauve's argmax(cumsum >= fraction) + 1. Returned as float, ready for faiss.
embed::Matrix pca_reduce(const Eigen::MatrixXd& x, double fraction);

// Which k-means path MAUVE runs: the default (restarts that stop at their fixed point, side by
// side), the same one restart after another, or today's fixed-iteration serial one. All give the
// same labels; bench/eval_speed times them.
enum class KMeansPath { fast, early_stop_serial, fixed_iterations };

// faiss k-means on the rows of x (k <= rows), then each row's nearest centroid.
std::vector<int> kmeans_labels(const embed::Matrix& x, int k, int niter, int nredo, int seed,
                               KMeansPath path = KMeansPath::fast,
                               const std::function<void(size_t, size_t)>& progress = {});

// mop::eval::mauve with the k-means path chosen.
MauveResult mauve(const embed::Matrix& golden, const embed::Matrix& synthetic, const MauveOptions& options,
                  KMeansPath path);

// numpy.linspace(start, stop, num), element for element.
std::vector<double> linspace(double start, double stop, int num);

// Area under (x, y) after sorting by x (ties: larger y first), by the trapezoid rule.
double sorted_area(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace mop::eval::detail
