#pragma once
// k-means internals shared by src/cluster's files (and its unit tests): faiss's parameters as mop
// sets them, today's one-call path, one restart stepped an iteration at a time, and faiss's
// choice among restarts.
#include <faiss/Clustering.h>
#include <omp.h>

#include <algorithm>
#include <vector>

#include "mop/kmeans.h"

namespace mop::cluster::detail {

using idx_t = faiss::Index::idx_t;

// Every point used (no subsampling), and no "too few points" warning for small clusters; neither
// changes the arithmetic otherwise.
inline faiss::ClusteringParameters faiss_parameters(idx_t n, const KMeansOptions& o) {
  faiss::ClusteringParameters cp;
  cp.niter = o.niter;
  cp.nredo = o.nredo;
  cp.seed = o.seed;
  cp.update_index = true;
  cp.verbose = false;
  cp.max_points_per_centroid = static_cast<int>(std::max<idx_t>(n, 256));
  cp.min_points_per_centroid = 1;
  return cp;
}

// One restart's outcome, or the kept one among several.
struct Run {
  std::vector<float> centroids;  // k x d, row-major
  float objective = 0;           // sum of the distances of its last assignment (faiss's obj)
  int iterations = 0;            // Lloyd iterations it ran
};

struct Runs {
  Run best;
  int best_restart = 0;
  std::vector<int> iterations;  // per restart
};

// Today's path: one faiss::Clustering with niter and nredo, every iteration run.
Runs fixed_iterations(const float* x, idx_t n, int d, int k, const KMeansOptions& o);

// Restart `redo` (0-based) exactly as faiss's Clustering::train runs it, one faiss call per
// iteration; with o.early_stop it stops at the first fixed point.
// `on_iteration`, when given, is called after each iteration.
Run run_restart(const float* x, idx_t n, int d, int k, const KMeansOptions& o, int redo,
                const std::function<void()>& on_iteration = {});

// All o.nredo restarts (on threads with o.parallel), then faiss's choice among them.
Runs run_restarts(const float* x, idx_t n, int d, int k, const KMeansOptions& o);

// faiss's rule: a lone run is kept as it is; otherwise the first strictly lowest objective
// (against an initial HUGE_VALF). Throws mop::Error when no objective is below HUGE_VALF.
int best_restart(const std::vector<Run>& runs);

// faiss's k-means runs its argmin and centroid updates in OpenMP regions, and its distance
// products through BLAS, whose Debian build (openblas-pthread) has its own threads. The two pools
// contend: idle OpenMP threads spin while BLAS works. On 2 busy cores, 5,000 vs 5,000 points,
// 500 clusters, 20 iterations took 2.97 s (100-d) and 5.93 s (768-d) with OpenMP on both cores,
// 0.63 s and 3.90 s with OpenMP on one; tiny problems went from seconds to milliseconds. So
// the OpenMP parts run on the calling thread alone, the BLAS products keep their threads (revisit
// if the BLAS is switched to an OpenMP build, which would then run single-threaded). Restored after.
class SingleOpenMpThread {
 public:
  SingleOpenMpThread() : saved_(omp_get_max_threads()) { omp_set_num_threads(1); }
  ~SingleOpenMpThread() { omp_set_num_threads(saved_); }
  SingleOpenMpThread(const SingleOpenMpThread&) = delete;
  SingleOpenMpThread& operator=(const SingleOpenMpThread&) = delete;

 private:
  int saved_;
};

}  // namespace mop::cluster::detail
