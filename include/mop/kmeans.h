#pragma once
// k-means on embedding rows with faiss: seeded, several restarts (the best kept), every point used.
// Shared by persona synthesis (clusters of records) and MAUVE (quantisation of the two sets).
#include <vector>

#include "mop/embed.h"

namespace mop::cluster {

struct KMeansOptions {
  int niter = 25;   // Lloyd iterations per run
  int nredo = 5;    // restarts; the run with the lowest objective is kept
  int seed = 1234;
  // Both switches keep the result bit for bit (same centroids, labels, distances, objective as
  // faiss's own Clustering with niter and nredo); they only change how long it takes.
  // early_stop: a restart stops at the first iteration whose centroids equal the previous
  // iteration's, since every later iteration would repeat it exactly.
  bool early_stop = true;
  // parallel: restarts run on separate threads (up to the hardware's cores).
  bool parallel = true;
};

struct KMeansResult {
  embed::Matrix centroids;        // k x d
  std::vector<int> labels;        // nearest centroid of each row
  std::vector<float> distances;   // squared L2 distance of each row to its centroid
  float objective = 0;            // faiss's objective of the kept restart (sum of its last distances)
  int best_restart = 0;           // which restart was kept (0-based)
  std::vector<int> iterations;    // Lloyd iterations each restart ran (niter each without early_stop)
};

// Throws mop::Error if k < 1 or k exceeds the number of rows.
KMeansResult kmeans(const embed::Matrix& x, int k, const KMeansOptions& options = {});

}  // namespace mop::cluster
