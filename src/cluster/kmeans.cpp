#include "mop/kmeans.h"

#include <faiss/Clustering.h>
#include <faiss/IndexFlat.h>
#include <omp.h>

#include <algorithm>
#include <string>

#include "mop/error.h"

namespace mop::cluster {
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

KMeansResult kmeans(const embed::Matrix& x, int k, const KMeansOptions& options) {
  const auto n = static_cast<faiss::Index::idx_t>(x.rows());
  const auto d = static_cast<int>(x.cols());
  if (k < 1 || k > n)
    throw Error("k-means: cannot make " + std::to_string(k) + " clusters from " + std::to_string(n) + " points");
  faiss::ClusteringParameters cp;
  cp.niter = options.niter;
  cp.nredo = options.nredo;
  cp.seed = options.seed;
  cp.update_index = true;
  cp.verbose = false;
  // Use every point (no subsampling), and silence the "too few points" warning that small
  // clusters trigger; neither changes the arithmetic otherwise.
  cp.max_points_per_centroid = static_cast<int>(std::max<faiss::Index::idx_t>(n, 256));
  cp.min_points_per_centroid = 1;

  const SingleOpenMpThread single;
  faiss::Clustering clustering(d, static_cast<size_t>(k), cp);
  faiss::IndexFlatL2 index(d);
  clustering.train(n, x.data(), index);  // leaves the best run's centroids in the index

  KMeansResult r;
  r.centroids = embed::Matrix(k, d);
  std::copy(clustering.centroids.begin(), clustering.centroids.end(), r.centroids.data());
  r.distances.resize(static_cast<size_t>(n));
  std::vector<faiss::Index::idx_t> nearest(static_cast<size_t>(n));
  index.search(n, x.data(), 1, r.distances.data(), nearest.data());
  r.labels.assign(nearest.begin(), nearest.end());
  return r;
}

}  // namespace mop::cluster
