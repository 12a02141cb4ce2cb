// faiss k-means set up as mauve-text's faiss.Kmeans(d, k, niter, nredo, update_index=True, seed).
#include <faiss/Clustering.h>
#include <faiss/IndexFlat.h>
#include <omp.h>

#include <algorithm>

#include "eval/mauve_detail.h"

namespace mop::eval::detail {

namespace {

// faiss's k-means runs its argmin and centroid updates in OpenMP regions, and its distance
// products through BLAS, whose Debian build (openblas-pthread) has its own threads. The two pools
// contend: idle OpenMP threads spin while BLAS works. On 2 busy cores, 5,000 vs 5,000 points,
// 500 clusters, 20 iterations took 2.97 s (100-d) and 5.93 s (768-d) with OpenMP on both cores,
// 0.63 s and 3.90 s with OpenMP on one; tiny problems went from seconds to milliseconds. So
// the OpenMP parts run on this thread alone, the BLAS products keep their threads (revisit if the
// BLAS is switched to an OpenMP build, which would then run single-threaded). Restored after.
class SingleOpenMpThread {
 public:
  SingleOpenMpThread() : saved_(omp_get_max_threads()) { omp_set_num_threads(1); }
  ~SingleOpenMpThread() { omp_set_num_threads(saved_); }
  SingleOpenMpThread(const SingleOpenMpThread&) = delete;
  SingleOpenMpThread& operator=(const SingleOpenMpThread&) = delete;

 private:
  int saved_;
};

}  // namespace

std::vector<int> kmeans_labels(const embed::Matrix& x, int k, int niter, int nredo, int seed) {
  const auto n = static_cast<faiss::Index::idx_t>(x.rows());
  const auto d = static_cast<int>(x.cols());
  faiss::ClusteringParameters cp;
  cp.niter = niter;
  cp.nredo = nredo;
  cp.seed = seed;
  cp.update_index = true;
  cp.verbose = false;
  // Use every point (no subsampling), and silence the "too few points" warning that MAUVE's
  // ~20 points per cluster always triggers; neither changes the arithmetic otherwise.
  cp.max_points_per_centroid = static_cast<int>(std::max<faiss::Index::idx_t>(n, 256));
  cp.min_points_per_centroid = 1;

  const SingleOpenMpThread single;
  faiss::Clustering clustering(d, static_cast<size_t>(k), cp);
  faiss::IndexFlatL2 index(d);
  clustering.train(n, x.data(), index);  // leaves the best run's centroids in the index

  std::vector<float> distances(static_cast<size_t>(n));
  std::vector<faiss::Index::idx_t> nearest(static_cast<size_t>(n));
  index.search(n, x.data(), 1, distances.data(), nearest.data());
  return std::vector<int>(nearest.begin(), nearest.end());
}

}  // namespace mop::eval::detail
