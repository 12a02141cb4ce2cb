// MAUVE's quantisation: mop's k-means set up as mauve-text's faiss.Kmeans(d, k, niter, nredo, seed).
#include "eval/mauve_detail.h"
#include "mop/kmeans.h"

namespace mop::eval::detail {

std::vector<int> kmeans_labels(const embed::Matrix& x, int k, int niter, int nredo, int seed, KMeansPath path,
                               const std::function<void(size_t, size_t)>& progress) {
  cluster::KMeansOptions o;
  o.niter = niter;
  o.nredo = nredo;
  o.seed = seed;
  o.progress = progress;
  o.early_stop = path != KMeansPath::fixed_iterations;
  o.parallel = path == KMeansPath::fast;
  return cluster::kmeans(x, k, o).labels;
}

}  // namespace mop::eval::detail
