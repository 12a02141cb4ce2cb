// MAUVE on embeddings: normalise, PCA, k-means, histograms, then the curve stage.
#include <algorithm>
#include <cmath>

#include "eval/check.h"
#include "eval/mauve_detail.h"
#include "mop/error.h"

namespace mop::eval {

namespace {

int resolve_clusters(const MauveOptions& o, long n_golden, long n_synthetic) {
  if (o.num_clusters < 0) throw Error("MAUVE: num_clusters must be 0 (auto) or positive");
  if (o.num_clusters > 0) return o.num_clusters;
  // Python's round() rounds halves to even, as std::nearbyint does in the default mode.
  const double tenth = static_cast<double>(std::min(n_golden, n_synthetic)) / 10.0;
  return std::max(2, static_cast<int>(std::nearbyint(tenth)));
}

void check_options(const MauveOptions& o) {
  if (!(o.pca_variance > 0 && o.pca_variance < 1))
    throw Error("MAUVE: pca_variance must lie strictly between 0 and 1");
  if (o.kmeans_iters < 1) throw Error("MAUVE: kmeans_iters must be at least 1");
  if (o.kmeans_redo < 1) throw Error("MAUVE: kmeans_redo must be at least 1");
}

}  // namespace

MauveResult mauve(const embed::Matrix& golden, const embed::Matrix& synthetic,
                  const MauveOptions& options) {
  return detail::mauve(golden, synthetic, options, detail::KMeansPath::fast);
}

MauveResult detail::mauve(const embed::Matrix& golden, const embed::Matrix& synthetic,
                          const MauveOptions& options, KMeansPath path) {
  detail::check_pair(golden, synthetic, "MAUVE");
  check_options(options);
  const int k = resolve_clusters(options, golden.rows(), synthetic.rows());
  if (golden.rows() < k || synthetic.rows() < k)
    throw Error("MAUVE: " + std::to_string(k) + " clusters need at least that many rows in each set (golden " +
                std::to_string(golden.rows()) + ", synthetic " + std::to_string(synthetic.rows()) + ")");

  // Synthetic (q) first, then golden (p): the order fixes faiss's random initialisation.
  const long nq = synthetic.rows();
  Eigen::MatrixXd stacked(nq + golden.rows(), golden.cols());
  stacked.topRows(nq) = synthetic.cast<double>();
  stacked.bottomRows(golden.rows()) = golden.cast<double>();
  for (long i = 0; i < stacked.rows(); ++i) {
    const double norm = stacked.row(i).norm();
    if (norm > 0) stacked.row(i) /= norm;  // sklearn's normalize leaves zero rows as they are
  }

  const embed::Matrix reduced = detail::pca_reduce(stacked, options.pca_variance);
  const std::vector<int> labels =
      detail::kmeans_labels(reduced, k, options.kmeans_iters, options.kmeans_redo, options.seed + 2, path, options.progress);

  std::vector<double> p(static_cast<size_t>(k), 0.0), q(static_cast<size_t>(k), 0.0);
  for (long i = 0; i < static_cast<long>(labels.size()); ++i)
    (i < nq ? q : p)[static_cast<size_t>(labels[static_cast<size_t>(i)])] += 1.0;

  MauveResult r = mauve_from_histograms(p, q, options);
  r.pca_components = static_cast<int>(reduced.cols());
  return r;
}

}  // namespace mop::eval
