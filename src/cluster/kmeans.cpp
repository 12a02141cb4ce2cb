// mop's k-means: checks, the path (stepped restarts with early stop, or today's single faiss
// call), then each row's nearest kept centroid.
#include "mop/kmeans.h"

#include <faiss/IndexFlat.h>

#include <string>

#include "cluster/kmeans_detail.h"
#include "mop/error.h"

namespace mop::cluster {

KMeansResult kmeans(const embed::Matrix& x, int k, const KMeansOptions& options) {
  const auto n = static_cast<detail::idx_t>(x.rows());
  const auto d = static_cast<int>(x.cols());
  if (k < 1 || k > n)
    throw Error("k-means: cannot make " + std::to_string(k) + " clusters from " + std::to_string(n) + " points");
  if (options.niter < 1 || options.nredo < 1)
    throw Error("k-means: niter and nredo must be at least 1 (got " + std::to_string(options.niter) + " and " +
                std::to_string(options.nredo) + ")");

  const detail::SingleOpenMpThread single;
  // k == n: faiss copies the points and iterates nothing, which its own call does best.
  const bool fixed = k == n || (!options.early_stop && !options.parallel);
  detail::Runs runs = fixed ? detail::fixed_iterations(x.data(), n, d, k, options)
                            : detail::run_restarts(x.data(), n, d, k, options);

  KMeansResult r;
  r.centroids = embed::Matrix(k, d);
  std::copy(runs.best.centroids.begin(), runs.best.centroids.end(), r.centroids.data());
  r.objective = runs.best.objective;
  r.best_restart = runs.best_restart;
  r.iterations = std::move(runs.iterations);

  faiss::IndexFlatL2 index(d);
  index.add(k, runs.best.centroids.data());
  r.distances.resize(static_cast<size_t>(n));
  std::vector<detail::idx_t> nearest(static_cast<size_t>(n));
  index.search(n, x.data(), 1, r.distances.data(), nearest.data());
  r.labels.assign(nearest.begin(), nearest.end());
  return r;
}

}  // namespace mop::cluster
