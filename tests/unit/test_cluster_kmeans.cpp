// k-means: the default path (early stop, parallel restarts) against today's single faiss call,
// bit for bit, and the pieces it is built from.
#include <faiss/Clustering.h>
#include <faiss/IndexFlat.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>

#include "cluster/kmeans_detail.h"
#include "eval/mauve_detail.h"
#include "mop/error.h"
#include "mop/kmeans.h"
#include "test_metrics_gen.h"

using mop::cluster::KMeansOptions;
using mop::cluster::KMeansResult;
using mop::cluster::kmeans;
using mop::embed::Matrix;

namespace {

KMeansOptions fixed(int niter, int nredo, int seed) {
  KMeansOptions o{niter, nredo, seed};
  o.early_stop = o.parallel = false;
  return o;
}

KMeansOptions with(int niter, int nredo, int seed, bool early_stop, bool parallel) {
  KMeansOptions o{niter, nredo, seed};
  o.early_stop = early_stop;
  o.parallel = parallel;
  return o;
}

template <class T>
bool same_bits(const T* a, const T* b, size_t count) {
  return std::memcmp(a, b, count * sizeof(T)) == 0;
}

// Labels, centroids, distances and objective equal bit for bit, and the same restart kept.
void expect_identical(const KMeansResult& a, const KMeansResult& b, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_EQ(a.labels, b.labels);
  ASSERT_EQ(a.centroids.rows(), b.centroids.rows());
  ASSERT_EQ(a.centroids.cols(), b.centroids.cols());
  EXPECT_TRUE(same_bits(a.centroids.data(), b.centroids.data(), static_cast<size_t>(a.centroids.size())));
  ASSERT_EQ(a.distances.size(), b.distances.size());
  EXPECT_TRUE(same_bits(a.distances.data(), b.distances.data(), a.distances.size()));
  EXPECT_TRUE(same_bits(&a.objective, &b.objective, 1)) << a.objective << " vs " << b.objective;
  EXPECT_EQ(a.best_restart, b.best_restart);
}

// n points of which only the first `distinct` differ (the rest repeat them), so restarts draw
// equal centroids, whose clusters come out empty and are split.
Matrix with_duplicates(long n, long d, long distinct, unsigned seed) {
  Matrix x = mop::eval::testing::gaussian_rows(n, d, seed);
  for (long i = distinct; i < n; ++i) x.row(i) = x.row(i % distinct);
  return x;
}

int splits_in_faiss(const Matrix& x, int k, const KMeansOptions& o) {
  const mop::cluster::detail::SingleOpenMpThread single;  // as mop calls faiss (else seconds, not ms)
  faiss::Clustering c(static_cast<int>(x.cols()), static_cast<size_t>(k),
                      mop::cluster::detail::faiss_parameters(x.rows(), o));
  faiss::IndexFlatL2 index(static_cast<int>(x.cols()));
  c.train(x.rows(), x.data(), index);
  int splits = 0;
  for (const auto& s : c.iteration_stats) splits += s.nsplit;
  return splits;
}

}  // namespace

TEST(KMeansFast, SameAsFixedIterationsOnSeveralSizesAndSeeds) {
  struct Case {
    long n, d;
    int k, niter, nredo, seed;
  };
  const Case cases[] = {
      {300, 8, 30, 100, 5, 1234}, {300, 8, 30, 100, 5, 7}, {600, 16, 40, 60, 3, 99},
      {500, 3, 2, 50, 4, 5},      {400, 32, 40, 40, 2, 42}, {200, 5, 20, 30, 1, 3},
  };
  for (const Case& c : cases) {
    const Matrix x = mop::eval::testing::mixture_rows(c.n, c.d, 12, static_cast<unsigned>(c.seed));
    const std::string what = "n " + std::to_string(c.n) + " d " + std::to_string(c.d) + " k " + std::to_string(c.k) +
                             " seed " + std::to_string(c.seed);
    const KMeansResult old = kmeans(x, c.k, fixed(c.niter, c.nredo, c.seed));
    const KMeansResult fast = kmeans(x, c.k, {c.niter, c.nredo, c.seed});
    expect_identical(fast, old, what);
    EXPECT_EQ(old.iterations, std::vector<int>(static_cast<size_t>(c.nredo), c.niter)) << what;
  }
}

// k close to n with repeated points: faiss splits clusters (its split_clusters, reseeded on every
// call) in most iterations; some restarts still reach a fixed point, some never do.
TEST(KMeansFast, SameAsFixedIterationsWithEmptyClusterSplits) {
  bool stopped_with_splits = false, ran_out = false;
  for (int distinct : {30, 40, 50})
    for (int k : {35, 45, 55})
      for (int seed : {1, 2, 3}) {
        const Matrix x = with_duplicates(60, 3, distinct, static_cast<unsigned>(seed));
        const std::string what =
            "distinct " + std::to_string(distinct) + " k " + std::to_string(k) + " seed " + std::to_string(seed);
        const KMeansOptions old_options = fixed(60, 3, seed);
        ASSERT_GT(splits_in_faiss(x, k, old_options), 0) << what;
        const KMeansResult old = kmeans(x, k, old_options);
        const KMeansResult fast = kmeans(x, k, {60, 3, seed});
        expect_identical(fast, old, what);
        for (int it : fast.iterations) (it < 60 ? stopped_with_splits : ran_out) = true;
      }
  EXPECT_TRUE(stopped_with_splits);
  EXPECT_TRUE(ran_out);
}

TEST(KMeansFast, EarlyStopStopsAndReportsIterations) {
  const Matrix x = mop::eval::testing::mixture_rows(600, 8, 12, 11, 0.1f);
  const KMeansResult r = kmeans(x, 12, {100, 5, 17});
  ASSERT_EQ(r.iterations.size(), 5u);
  for (int it : r.iterations) {
    EXPECT_GE(it, 2);   // at least the iteration that moved and the one that confirmed it
    EXPECT_LT(it, 40);
  }
  const KMeansResult all = kmeans(x, 12, with(100, 5, 17, false, true));
  EXPECT_EQ(all.iterations, std::vector<int>(5, 100));
  expect_identical(r, all, "early stop against all 100 iterations");
  expect_identical(r, kmeans(x, 12, fixed(100, 5, 17)), "early stop against faiss's own call");
}

TEST(KMeansFast, ParallelEqualsSerial) {
  const Matrix x = mop::eval::testing::mixture_rows(800, 16, 15, 5);
  for (bool early_stop : {true, false}) {
    const KMeansResult serial = kmeans(x, 40, with(30, 4, 8, early_stop, false));
    const KMeansResult parallel = kmeans(x, 40, with(30, 4, 8, early_stop, true));
    expect_identical(parallel, serial, early_stop ? "with early stop" : "without early stop");
    EXPECT_EQ(parallel.iterations, serial.iterations);
  }
}

// Restart r of a multi-restart call is faiss's single-restart call with the seed shifted by
// r * 15486557 (faiss draws restart r's points with seed + 1 + r * 15486557).
TEST(KMeansFast, RestartIsFaissRestart) {
  const Matrix x = mop::eval::testing::mixture_rows(400, 6, 8, 3);
  const int k = 25, seed = 1234;
  for (int redo = 0; redo < 3; ++redo) {
    const KMeansOptions o = with(30, 3, seed, false, false);
    const auto run = mop::cluster::detail::run_restart(x.data(), x.rows(), 6, k, o, redo);
    const mop::cluster::detail::SingleOpenMpThread single;
    faiss::ClusteringParameters cp = mop::cluster::detail::faiss_parameters(x.rows(), o);
    cp.nredo = 1;
    cp.seed = seed + redo * 15486557;
    faiss::Clustering c(6, k, cp);
    faiss::IndexFlatL2 index(6);
    c.train(x.rows(), x.data(), index);
    ASSERT_EQ(run.centroids.size(), c.centroids.size());
    EXPECT_TRUE(same_bits(run.centroids.data(), c.centroids.data(), c.centroids.size())) << "restart " << redo;
    const float obj = c.iteration_stats.back().obj;
    EXPECT_TRUE(same_bits(&run.objective, &obj, 1)) << "restart " << redo;
    EXPECT_EQ(run.iterations, 30);
  }
}

TEST(KMeansFast, BestRestartFollowsFaiss) {
  using mop::cluster::detail::Run;
  using mop::cluster::detail::best_restart;
  const auto runs = [](std::vector<float> objectives) {
    std::vector<Run> r;
    for (float o : objectives) r.push_back(Run{{}, o, 1});
    return r;
  };
  EXPECT_EQ(best_restart(runs({3, 1, 2})), 1);
  EXPECT_EQ(best_restart(runs({2, 1, 1})), 1);  // ties: the first stays
  EXPECT_EQ(best_restart(runs({HUGE_VALF})), 0);  // a lone run is kept without comparing
  EXPECT_EQ(best_restart(runs({HUGE_VALF, 5})), 1);
  EXPECT_THROW(best_restart(runs({HUGE_VALF, NAN})), mop::Error);
}

TEST(KMeansFast, PersonaSettingsAndCornerCases) {
  // Persona synthesis: 25 iterations, 5 restarts, small k.
  const Matrix x = mop::eval::testing::mixture_rows(240, 20, 6, 9);
  expect_identical(kmeans(x, 8, {25, 5, 4242}), kmeans(x, 8, fixed(25, 5, 4242)), "persona settings");
  expect_identical(kmeans(x, 1, {25, 5, 1}), kmeans(x, 1, fixed(25, 5, 1)), "k = 1");
  const Matrix few = x.topRows(10);
  expect_identical(kmeans(few, 10, {25, 5, 1}), kmeans(few, 10, fixed(25, 5, 1)), "k = n");
  EXPECT_THROW(kmeans(x, 0), mop::Error);
  EXPECT_THROW(kmeans(x, 241), mop::Error);
  EXPECT_THROW(kmeans(x, 4, {0, 5, 1}), mop::Error);
  EXPECT_THROW(kmeans(x, 4, {5, 0, 1}), mop::Error);
}

TEST(KMeansFast, MauveSameOnBothPaths) {
  using mop::eval::detail::KMeansPath;
  mop::eval::MauveOptions o;
  o.num_clusters = 20;
  o.kmeans_iters = 100;
  o.kmeans_redo = 3;
  const Matrix g = mop::eval::testing::mixture_rows(300, 12, 8, 1);
  const Matrix s = mop::eval::testing::mixture_rows(300, 12, 8, 2, 0.5f);
  const auto fast = mop::eval::detail::mauve(g, s, o, KMeansPath::fast);
  const auto old = mop::eval::detail::mauve(g, s, o, KMeansPath::fixed_iterations);
  EXPECT_EQ(fast.golden_hist, old.golden_hist);
  EXPECT_EQ(fast.synthetic_hist, old.synthetic_hist);
  EXPECT_EQ(fast.mauve, old.mauve);
  EXPECT_EQ(fast.frontier_integral, old.frontier_integral);
  EXPECT_EQ(mop::eval::mauve(g, s, o).mauve, fast.mauve);
}

// Progress counts Lloyd iterations of niter x nredo, never goes back, ends at the total even when
// restarts stop early, and leaves the result as it was, serial or on threads.
TEST(KMeansFast, ProgressReachesTheTotalAndChangesNothing) {
  const Matrix x = mop::eval::testing::mixture_rows(300, 12, 5, 3);
  for (const bool parallel : {false, true}) {
    SCOPED_TRACE(parallel ? "parallel" : "serial");
    KMeansOptions o = with(200, 4, 11, true, parallel);
    std::vector<std::pair<size_t, size_t>> calls;
    o.progress = [&](size_t done, size_t total) { calls.emplace_back(done, total); };
    const KMeansResult r = kmeans(x, 6, o);
    ASSERT_FALSE(calls.empty());
    for (size_t i = 0; i < calls.size(); ++i) {
      EXPECT_EQ(calls[i].second, 800u);
      if (i) EXPECT_GE(calls[i].first, calls[i - 1].first);
    }
    EXPECT_EQ(calls.back().first, 800u);
    size_t ran = 0;
    for (int it : r.iterations) ran += static_cast<size_t>(it);
    EXPECT_LT(ran, 800u) << "the restarts were meant to stop early here";
    expect_identical(r, kmeans(x, 6, with(200, 4, 11, true, parallel)), "with and without progress");
  }
}
