#pragma once
// mop::eval — how close a synthetic population is to the golden one, measured in sentence-embedding
// space. Every metric takes two embedding matrices (one row per text): G, the golden (human) set,
// and S, the synthetic set. Rows need not be unit-norm. Bad input (empty sets, different widths,
// non-finite values, sets too small for the setting) throws mop::Error.
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "mop/embed.h"

namespace mop::eval {

// ---------------------------------------------------------------------------------------------
// Fréchet distance between Gaussians fitted to G and S:
//   ||mu_G - mu_S||^2 + Tr(C_G + C_S - 2 (C_G C_S)^(1/2)),
// with sample covariances (divisor n-1, as pytorch-fid / numpy.cov), all in double. The trace of
// the square root is taken as Tr sqrt(C_G^(1/2) C_S C_G^(1/2)) through symmetric eigen-
// decompositions, tiny negative eigenvalues clamped to 0. Each set needs at least 2 rows.
struct FidResult {
  double fid = 0;         // mean_term + trace_term, clamped at 0 against rounding
  double mean_term = 0;   // ||mu_G - mu_S||^2
  double trace_term = 0;  // Tr(C_G + C_S - 2 (C_G C_S)^(1/2))
};
FidResult fid(const embed::Matrix& golden, const embed::Matrix& synthetic);

// ---------------------------------------------------------------------------------------------
// MAUVE (Pillutla et al. 2021), following mauve-text 0.4.0's compute_mauve on features, with
// p = G (human) and q = S (model):
//   1. stack S then G, L2-normalise rows;
//   2. PCA (exact, not whitened) keeping the fewest leading components whose cumulative explained
//      variance ratio reaches pca_variance;
//   3. faiss k-means (faiss's own seeding, niter, nredo, seed + 2) and nearest-centroid labels;
//   4. one cluster histogram per set;
//   5. divergence curve at curve_points mixture weights linspace(1e-6, 1 - 1e-6), plus the two
//      extreme points, scaled by exp(-scaling_factor * KL);
//   6. MAUVE = mean of the trapezoid areas under the curve taken along each axis.
// Differences from the reference, both deliberate:
//   - faiss is told never to subsample (the Python wrapper keeps faiss's 256 points per centroid;
//     with the default cluster count there are ~20 points per centroid, so it only matters for
//     a small explicit num_clusters).
//   - ties among curve points are broken towards the upper envelope (the reference's numpy
//     argsort is unstable there); ties only arise when p == q, where this gives MAUVE 1.
struct MauveOptions {
  int num_clusters = 0;         // 0: auto, max(2, round(min(|G|, |S|) / 10)), as the reference
  double scaling_factor = 5;    // c in exp(-c KL); reference default 5
  double pca_variance = 0.9;    // explained-variance fraction kept by PCA, in (0, 1)
  int seed = 25;                // reference default; faiss k-means gets seed + 2
  int kmeans_iters = 500;       // faiss niter (reference 500)
  int kmeans_redo = 5;          // faiss nredo, best objective kept (reference 5)
  int curve_points = 25;        // mixture weights on the divergence curve (reference 25)
  // Progress of the k-means stage, the long one (see cluster::KMeansOptions::progress); not part
  // of the result.
  std::function<void(size_t done, size_t total)> progress = nullptr;
};

struct MauveResult {
  double mauve = 0;              // in (0, 1]; higher is closer
  double frontier_integral = 0;  // in [0, 1]; lower is closer (Liu et al. 2021)
  std::vector<double> golden_hist;     // p: cluster histogram of G, sums to 1
  std::vector<double> synthetic_hist;  // q: cluster histogram of S, sums to 1
  // Divergence curve, curve_points + 2 points {exp(-c KL(q||r)), exp(-c KL(p||r))} with
  // r = w p + (1 - w) q, in the reference's order: the extreme point (1, 0), the mixtures by
  // increasing w, then the extreme point (0, 1).
  std::vector<std::array<double, 2>> curve;
  int num_clusters = 0;    // clusters used (resolved from auto)
  int pca_components = 0;  // PCA dimensions the clustering ran in (0 when given histograms)
};

MauveResult mauve(const embed::Matrix& golden, const embed::Matrix& synthetic,
                  const MauveOptions& options = {});

// The curve stage alone, on given histograms (same length; each is normalised to sum 1).
// Uses scaling_factor and curve_points from options.
MauveResult mauve_from_histograms(const std::vector<double>& golden_hist,
                                  const std::vector<double>& synthetic_hist,
                                  const MauveOptions& options = {});

// ---------------------------------------------------------------------------------------------
// KL divergence between the distributions of within-set pairwise cosine similarities:
//   KL(S || G) = sum_b s_b log(s_b / g_b),
// s_b, g_b the smoothed bin probabilities of the within-S and within-G histograms over [-1, 1].
// A set uses all pairs i < j when it has at most max_pairs of them, otherwise max_pairs pairs
// i != j drawn uniformly with replacement (std::mt19937_64 seeded with seed; the same stream for
// both sets, so a set compared with itself gives exactly 0). Each set needs at least 2 rows and no
// zero rows.
struct KlCosineOptions {
  int bins = 100;                       // equal-width bins over [-1, 1]
  double smoothing = 1e-8;              // added to every bin probability, then renormalised
  std::int64_t max_pairs = 2'000'000;   // above this many pairs, sample this many
  std::uint64_t seed = 0;               // for the pair sample
};

struct KlCosineResult {
  double kl = 0;                        // KL(S || G): synthetic relative to golden, nats
  std::vector<double> golden_hist;      // smoothed bin probabilities g_b
  std::vector<double> synthetic_hist;   // smoothed bin probabilities s_b
  std::int64_t golden_pairs = 0;        // pairs counted in G
  std::int64_t synthetic_pairs = 0;     // pairs counted in S
};

KlCosineResult kl_cosine(const embed::Matrix& golden, const embed::Matrix& synthetic,
                         const KlCosineOptions& options = {});

// ---------------------------------------------------------------------------------------------
// k-NN manifold metrics, following the authors' compute_prdc (clovaai/generative-evaluation-prdc)
// with real = G and fake = S. Each row's radius is its Euclidean distance to its k-th nearest row
// of its own set (the (k+1)-th smallest distance, its own 0 included); "inside" is strictly less.
//   precision (Kynkäänniemi et al. 2019): share of S rows inside some G row's ball (fidelity);
//   recall    (same):                     share of G rows inside some S row's ball (diversity);
//   density   (Naeem et al. 2020):        mean over S rows of the G balls holding it, divided by k
//                                         (1 on average when S is distributed like G; may exceed 1);
//   coverage  (same):                     share of G rows whose ball holds at least one S row.
// All in [0, 1] but density; higher is closer. Distances in double (BLAS products, with near-equal
// rows computed directly so equal rows are exactly 0). Each set needs at least nearest_k + 1 rows.
struct PrdcOptions {
  int nearest_k = 5;  // the authors' default
};

struct PrdcResult {
  double precision = 0;
  double recall = 0;
  double density = 0;
  double coverage = 0;
};

PrdcResult prdc(const embed::Matrix& golden, const embed::Matrix& synthetic, const PrdcOptions& options = {});

// The same computation kept per row, with each row's radius. prdc() is prdc_summary(prdc_rows(...)).
struct PrdcRows {
  int nearest_k = 0;
  std::vector<int> golden_balls_holding;  // per synthetic row: golden balls it is inside
  std::vector<char> recalled;             // per golden row: inside some synthetic ball
  std::vector<char> covered;              // per golden row: its ball holds some synthetic row
  std::vector<double> golden_radii;       // squared k-NN radius of each golden row (within G)
  std::vector<double> synthetic_radii;    // squared k-NN radius of each synthetic row (within S)
};
PrdcRows prdc_rows(const embed::Matrix& golden, const embed::Matrix& synthetic, const PrdcOptions& options = {});
PrdcResult prdc_summary(const PrdcRows& rows);

// The four figures between a part of each set (a subgroup: golden rows g_rows, synthetic rows
// s_rows), each row keeping its whole-set radius from `rows`: precision and density over s_rows
// against the balls of g_rows, recall and coverage over g_rows against the balls of s_rows. With
// no synthetic row, recall and coverage are 0 and precision and density absent (and the reverse).
struct PrdcPart {
  std::optional<double> precision, recall, density, coverage;
};
PrdcPart prdc_part(const embed::Matrix& golden, const embed::Matrix& synthetic, const PrdcRows& rows,
                   const std::vector<long>& g_rows, const std::vector<long>& s_rows);

// ---------------------------------------------------------------------------------------------
// Simple distribution checks (a set's label shares and response lengths against the golden set's).

// Pearson's chi-square goodness of fit of observed counts to expected shares (scipy.stats.chisquare
// with f_exp = n * share): statistic sum (o - e)^2 / e, df = categories - 1, p its upper tail
// (the regularised upper incomplete gamma Q(df / 2, x / 2), Eigen's igammac). Shares must be
// positive; they are normalised to sum 1. Needs 2+ categories and a positive total count.
struct ChiSquareResult {
  double statistic = 0;
  int df = 0;
  double p_value = 1;
};
ChiSquareResult chi_square_fit(const std::vector<double>& observed, const std::vector<double>& expected_shares);

// Two-sample Kolmogorov-Smirnov test: D = sup |F_a - F_b| of the empirical distribution functions
// (ties handled as scipy's ks_2samp), p the asymptotic two-sided p-value Q_KS(sqrt(nm / (n + m)) D)
// with Q_KS the Kolmogorov distribution's upper tail (R's ks.test with exact = FALSE; conservative
// for discrete data such as lengths). Each sample needs at least 1 value.
struct KsResult {
  double statistic = 0;
  double p_value = 1;
};
KsResult ks_two_sample(std::vector<double> a, std::vector<double> b);
// Q_KS(lambda) = 2 sum_{j>=1} (-1)^(j-1) exp(-2 j^2 lambda^2), 1 at lambda <= 0.
double kolmogorov_upper_tail(double lambda);
// Words of a text: maximal runs of non-whitespace bytes (ASCII whitespace separates).
std::size_t word_count(const std::string& text);

// ---------------------------------------------------------------------------------------------
// Downstream task: macro-F1 of predicted against true labels. Classes are the union of labels in
// both lists (as scikit-learn's f1_score); a class's F1 is 2TP / (2TP + FP + FN).
double macro_f1(const std::vector<std::string>& truth, const std::vector<std::string>& predicted);

// Multinomial logistic regression on embeddings: minimises mean cross-entropy + (l2 / 2) ||W||^2
// (bias not penalised) with L-BFGS from zero weights, so training is deterministic and needs no
// seed. Classes are the distinct training labels in sorted order; at least two are required.
struct SoftmaxOptions {
  double l2 = 1e-4;          // ~ scikit-learn's C = 1 at 10,000 examples
  int max_iter = 500;        // L-BFGS iterations
  double tolerance = 1e-6;   // stop when the gradient's max-norm falls below this
  int history = 10;          // L-BFGS correction pairs kept
};

class SoftmaxClassifier {
 public:
  static SoftmaxClassifier fit(const embed::Matrix& x, const std::vector<std::string>& labels,
                               const SoftmaxOptions& options = {});

  std::vector<std::string> predict(const embed::Matrix& x) const;
  // One row per input, one column per class (classes() order); rows sum to 1.
  Eigen::MatrixXd predict_proba(const embed::Matrix& x) const;

  const std::vector<std::string>& classes() const { return classes_; }
  int iterations() const { return iterations_; }
  bool converged() const { return converged_; }
  double final_objective() const { return objective_; }
  // The fitted parameters: logits = x W + b (W is dim x classes). Used by mop/influence.h.
  const Eigen::MatrixXd& weights() const { return weights_; }
  const Eigen::VectorXd& bias() const { return bias_; }

 private:
  Eigen::MatrixXd logits(const embed::Matrix& x) const;

  std::vector<std::string> classes_;
  Eigen::MatrixXd weights_;  // dim x classes
  Eigen::VectorXd bias_;     // classes
  int iterations_ = 0;
  bool converged_ = false;
  double objective_ = 0;
};

// Trains on (train_x, train_labels), predicts test_x, returns macro-F1 against test_labels.
double classifier_macro_f1(const embed::Matrix& train_x, const std::vector<std::string>& train_labels,
                           const embed::Matrix& test_x, const std::vector<std::string>& test_labels,
                           const SoftmaxOptions& options = {});

}  // namespace mop::eval
