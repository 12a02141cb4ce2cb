// eval_speed: seconds taken by FID, MAUVE and KL-cosine on two sets of embeddings.
//
//   eval_speed                          random clustered data, 5,000 vs 5,000 at 768-d and 100-d
//   eval_speed A.npy [B.npy]            real embeddings: G = A, S = B; with one file, its first
//                                       half against its second half
// Options: --n N (rows per set, default 5000), --iters N / --redo N (MAUVE k-means, defaults
// 500 / 5 as the reference), --clusters K (default auto: n / 10), --skip-fixed (leave out the
// fixed-iteration MAUVE, which takes minutes at the defaults).
//
// MAUVE runs three times: the default k-means path (restarts stop at their fixed point and run
// side by side), the same with the restarts one after another, and today's path (every restart
// all niter iterations, one after another), with the values and the ratio old / new; all must
// agree.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "eval/mauve_detail.h"
#include "eval/subgroups.h"
#include "mop/evaluate.h"
#include "mop/metrics.h"
#include "mop/util/npy.h"

namespace {

using mop::embed::Matrix;

// Embedding-like random data: 50 topic centres, each point a centre plus noise whose variance
// decays as 1 / (j + 1) over the coordinates, so PCA needs far fewer dimensions than d (as with
// real sentence embeddings). `tilt` shifts the topic weights between the two sets.
Matrix clustered(long n, long d, unsigned seed, double tilt) {
  constexpr int kTopics = 50;
  std::mt19937_64 centre_rng(7);
  std::normal_distribution<float> normal(0.f, 1.f);
  Matrix centres(kTopics, d);
  for (long i = 0; i < centres.size(); ++i) centres.data()[i] = 0.1f * normal(centre_rng);
  std::vector<double> weights(kTopics);
  for (int t = 0; t < kTopics; ++t) weights[static_cast<size_t>(t)] = std::exp(tilt * t / kTopics);
  std::discrete_distribution<int> topic(weights.begin(), weights.end());
  std::mt19937_64 rng(seed);
  Matrix m(n, d);
  for (long i = 0; i < n; ++i) {
    const int t = topic(rng);
    for (long j = 0; j < d; ++j)
      m(i, j) = centres(t, j) + static_cast<float>(std::pow(j + 1.0, -0.5)) * normal(rng);
  }
  return m;
}

template <class F>
double seconds(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

bool same_histograms(const mop::eval::MauveResult& a, const mop::eval::MauveResult& b) {
  return a.golden_hist == b.golden_hist && a.synthetic_hist == b.synthetic_hist;
}

void run(const Matrix& g, const Matrix& s, const mop::eval::MauveOptions& mo, bool skip_fixed) {
  std::printf("G %ld x %ld, S %ld x %ld\n", static_cast<long>(g.rows()), static_cast<long>(g.cols()),
              static_cast<long>(s.rows()), static_cast<long>(s.cols()));
  mop::eval::FidResult f;
  const double t_fid = seconds([&] { f = mop::eval::fid(g, s); });
  std::printf("  FID        %8.2f s   value %.6f\n", t_fid, f.fid);
  mop::eval::KlCosineResult k;
  const double t_kl = seconds([&] { k = mop::eval::kl_cosine(g, s); });
  std::printf("  KL-cosine  %8.2f s   value %.6f (%lld pairs per set)\n", t_kl, k.kl,
              static_cast<long long>(k.golden_pairs));
  // k-NN precision, recall, density and coverage (k = 5), timed beside MAUVE.
  mop::eval::PrdcResult p;
  const double t_prdc = seconds([&] { p = mop::eval::prdc(g, s); });
  std::printf("  PRDC (k=5) %8.2f s   precision %.4f, recall %.4f, density %.4f, coverage %.4f\n", t_prdc,
              p.precision, p.recall, p.density, p.coverage);
  using mop::eval::detail::KMeansPath;
  mop::eval::MauveResult r;
  const double t_mauve = seconds([&] { r = mop::eval::detail::mauve(g, s, mo, KMeansPath::fast); });
  std::printf("  MAUVE      %8.2f s   value %.6f (frontier integral %.6f; %d clusters, %d PCA dims; "
              "k-means with early stop, parallel restarts)\n",
              t_mauve, r.mauve, r.frontier_integral, r.num_clusters, r.pca_components);
  // Subgroups (k-means of G, placement, per-group figures from the PRDC rows) and the checks (KS on
  // lengths; texts here are made up with varying word counts), which mop eval adds to the above.
  const double t_sub = seconds([&] {
    mop::eval::EvalSet gs, ss;
    gs.embeddings = g, ss.embeddings = s;
    for (long i = 0; i < g.rows(); ++i) gs.texts.push_back(std::string(static_cast<size_t>(1 + i % 40), 'w') + " x y");
    for (long i = 0; i < s.rows(); ++i) ss.texts.push_back(std::string(static_cast<size_t>(1 + i % 30), 'w') + " x");
    const mop::eval::SubgroupOptions so;
    const auto rows = mop::eval::prdc_rows(g, s);
    for (const auto& grouping : mop::eval::detail::golden_groupings(gs, {}, so))
      (void)mop::eval::detail::subgroup_table(grouping, gs, ss, &rows, so);
    std::vector<double> a, b;
    for (const auto& t : gs.texts) a.push_back(static_cast<double>(mop::eval::word_count(t)));
    for (const auto& t : ss.texts) b.push_back(static_cast<double>(mop::eval::word_count(t)));
    (void)mop::eval::ks_two_sample(a, b);
  });
  const double t_rest = t_fid + t_kl + t_prdc + t_mauve;
  // prdc_rows is timed inside t_sub but mop eval shares it with PRDC: count it once.
  std::printf("  subgroups + checks %8.2f s incl. a second PRDC pass (mop eval shares it): %.1f%% of FID + KL + PRDC + MAUVE "
              "without it (goal: at most 20%%)\n",
              t_sub, 100 * std::max(0.0, t_sub - t_prdc) / t_rest);
  std::fflush(stdout);
  mop::eval::MauveResult serial;
  const double t_serial = seconds([&] { serial = mop::eval::detail::mauve(g, s, mo, KMeansPath::early_stop_serial); });
  std::printf("  MAUVE      %8.2f s   value %.6f (k-means with early stop, restarts one after another)\n", t_serial,
              serial.mauve);
  if (skip_fixed) return;
  mop::eval::MauveResult old;
  const double t_old = seconds([&] { old = mop::eval::detail::mauve(g, s, mo, KMeansPath::fixed_iterations); });
  std::printf("  MAUVE old  %8.2f s   value %.6f (frontier integral %.6f; k-means %d fixed iterations, serial)\n",
              t_old, old.mauve, old.frontier_integral, mo.kmeans_iters);
  std::printf("  MAUVE speed-up %.2fx (old %.2f s / new %.2f s; early stop alone %.2fx); values differ by %.3g, "
              "histograms %s\n",
              t_old / t_mauve, t_old, t_mauve, t_old / t_serial, std::fabs(old.mauve - r.mauve),
              same_histograms(old, r) && same_histograms(old, serial) ? "identical" : "DIFFERENT");
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  long n = 5000;
  bool skip_fixed = false;
  mop::eval::MauveOptions mo;
  std::vector<std::string> files;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      const auto value = [&] {
        if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
        return std::stol(argv[++i]);
      };
      if (a == "--skip-fixed") skip_fixed = true;
      else if (a == "--n") n = value();
      else if (a == "--iters") mo.kmeans_iters = static_cast<int>(value());
      else if (a == "--redo") mo.kmeans_redo = static_cast<int>(value());
      else if (a == "--clusters") mo.num_clusters = static_cast<int>(value());
      else files.push_back(a);
    }
    std::printf("eval_speed: MAUVE k-means niter %d, nredo %d, clusters %s\n", mo.kmeans_iters,
                mo.kmeans_redo, mo.num_clusters ? std::to_string(mo.num_clusters).c_str() : "auto");
    if (files.empty()) {
      std::printf("no .npy given: RANDOM clustered data (50 topics, decaying noise spectrum), "
                  "not real embeddings\n");
      for (long d : {768L, 100L}) run(clustered(n, d, 1, 0.0), clustered(n, d, 2, 1.0), mo, skip_fixed);
    } else if (files.size() == 1) {
      const Matrix all = mop::util::read_npy(files[0]);
      const long half = std::min(n, static_cast<long>(all.rows()) / 2);
      std::printf("real embeddings from %s: first %ld rows vs the next %ld\n", files[0].c_str(), half, half);
      run(all.topRows(half), all.middleRows(half, half), mo, skip_fixed);
    } else {
      const Matrix g = mop::util::read_npy(files[0]), s = mop::util::read_npy(files[1]);
      std::printf("real embeddings: G from %s, S from %s (at most %ld rows each)\n", files[0].c_str(),
                  files[1].c_str(), n);
      run(g.topRows(std::min<long>(n, g.rows())), s.topRows(std::min<long>(n, s.rows())), mo, skip_fixed);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "eval_speed: %s\n", e.what());
    return 1;
  }
  return 0;
}
