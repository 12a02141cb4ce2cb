// One k-means restart, stepped one Lloyd iteration per faiss call, stopping at the fixed point.
//
// Why it equals faiss's own loop (faiss 1.7.3, Clustering::train_encoded): restart `redo` starts
// from the points perm[0..k) of rand_perm(n, seed + 1 + redo * 15486557); each iteration assigns
// every point to its nearest centroid (IndexFlatL2 search), sums the distances into obj, and
// recomputes the centroids from the assignment alone (compute_centroids, then split_clusters,
// whose generator is reseeded with 1234 on every call). A Clustering given centroids on input
// starts from them, so niter = 1 from the previous iteration's centroids is that iteration.
// Once an iteration leaves the centroids bit for bit as it found them, the next search sees the
// same centroids, so gives the same assignment, the same obj and the same centroids again: every
// later iteration repeats it, and stopping there leaves what all niter iterations would.
#include <faiss/IndexFlat.h>
#include <faiss/utils/random.h>

#include <cstring>

#include "cluster/kmeans_detail.h"

namespace mop::cluster::detail {

Run run_restart(const float* x, idx_t n, int d, int k, const KMeansOptions& o, int redo,
                const std::function<void()>& on_iteration) {
  const size_t row = static_cast<size_t>(d);
  std::vector<int> perm(static_cast<size_t>(n));
  faiss::rand_perm(perm.data(), static_cast<size_t>(n), o.seed + 1 + redo * 15486557L);  // faiss's expression
  Run run;
  run.centroids.resize(static_cast<size_t>(k) * row);
  for (size_t i = 0; i < static_cast<size_t>(k); ++i)
    std::memcpy(&run.centroids[i * row], x + static_cast<size_t>(perm[i]) * row, row * sizeof(float));

  faiss::ClusteringParameters cp = faiss_parameters(n, o);
  cp.niter = 1;
  cp.nredo = 1;
  faiss::IndexFlatL2 index(d);
  for (int it = 0; it < o.niter; ++it) {
    faiss::Clustering step(d, static_cast<size_t>(k), cp);
    step.centroids = run.centroids;
    step.train(n, x, index);
    run.objective = step.iteration_stats.back().obj;
    run.iterations = it + 1;
    // Bits, not values: -0.f == 0.f would pass an operator== yet could differ downstream.
    const bool fixed =
        std::memcmp(step.centroids.data(), run.centroids.data(), run.centroids.size() * sizeof(float)) == 0;
    run.centroids.swap(step.centroids);
    if (on_iteration) on_iteration();
    if (fixed && o.early_stop) break;
  }
  return run;
}

}  // namespace mop::cluster::detail
