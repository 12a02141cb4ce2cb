#pragma once
// k-means on embedding rows with faiss: seeded, several restarts (the best kept), every point used.
// Shared by persona synthesis (clusters of records) and MAUVE (quantisation of the two sets).
#include <functional>
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
  // Called with Lloyd iterations done of niter x nredo as restarts run (a restart that stops early
  // counts its remaining iterations as done), from one thread at a time; not called on the
  // fixed-iteration path (neither switch on, or k equal to the rows). Only shows progress.
  std::function<void(size_t done, size_t total)> progress = nullptr;
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
