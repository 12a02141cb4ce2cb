// Today's k-means path, kept for comparison (bench/eval_speed) and for k == n: one
// faiss::Clustering call that runs every restart for all niter iterations.
#include <faiss/IndexFlat.h>

#include "cluster/kmeans_detail.h"

namespace mop::cluster::detail {

Runs fixed_iterations(const float* x, idx_t n, int d, int k, const KMeansOptions& o) {
  faiss::Clustering clustering(d, static_cast<size_t>(k), faiss_parameters(n, o));
  faiss::IndexFlatL2 index(d);
  clustering.train(n, x, index);

  Runs r;
  r.best.centroids = std::move(clustering.centroids);
  // iteration_stats holds every iteration of the restarts up to the kept one (faiss copies them
  // when a restart improves), so its length says which restart was kept.
  const auto& stats = clustering.iteration_stats;
  r.best.objective = stats.empty() ? 0.f : stats.back().obj;
  if (k == n) {  // faiss copies the points as centroids and runs no iteration
    r.iterations.assign(1, 0);
    return r;
  }
  r.best_restart = static_cast<int>(stats.size()) / o.niter - 1;
  r.best.iterations = o.niter;
  r.iterations.assign(static_cast<size_t>(o.nredo), o.niter);
  return r;
}

}  // namespace mop::cluster::detail
