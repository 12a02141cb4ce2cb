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
};

struct KMeansResult {
  embed::Matrix centroids;        // k x d
  std::vector<int> labels;        // nearest centroid of each row
  std::vector<float> distances;   // squared L2 distance of each row to its centroid
};

// Throws mop::Error if k < 1 or k exceeds the number of rows.
KMeansResult kmeans(const embed::Matrix& x, int k, const KMeansOptions& options = {});

}  // namespace mop::cluster
