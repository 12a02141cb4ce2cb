// Pair choice for training (method/pair_choice.h): the paper's top-M, and the guided estimate
// p^ = sum over the gate's top pairs + importance-weighted draws, which must be unbiased for the
// full mixture sum_kj w_kj p_kj whatever the proposal, never draw the masked exemplar, and be
// reproducible from its stream.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>
#include <utility>

#include "method/pair_choice.h"
#include "mop/error.h"
#include "mop/gate.h"
#include "mop/trainer.h"

namespace {

using mop::method::ChosenPairs;
using mop::method::FitOptions;
using mop::method::Forward;
using mop::method::Gate;
using mop::method::GateConfig;
using mop::method::MatrixRM;
using mop::method::PairChooser;

MatrixRM unit_rows(int rows, int cols, std::mt19937_64& rng) {
  std::normal_distribution<double> normal;
  MatrixRM m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = normal(rng);
  m.rowwise().normalize();
  return m;
}

struct Problem {
  static constexpr int K = 3, N = 12, D = 6;
  std::mt19937_64 rng{17};
  MatrixRM hg = unit_rows(K, D, rng), he = unit_rows(N, D, rng);
  Eigen::VectorXd hx = unit_rows(1, D, rng).row(0).transpose(), hy = unit_rows(1, D, rng).row(0).transpose();
  MatrixRM s = MatrixRM::Zero(K, N);  // log p_LM of the record under each pair
  Gate gate{D, K, [] {
              GateConfig c;
              c.dim_proj = 4;
              c.init_scale = 1.5;  // an uneven gate, so exact and sampled parts both matter
              return c;
            }()};
  Problem() {
    std::normal_distribution<double> normal;
    for (Eigen::Index i = 0; i < s.size(); ++i) s.data()[i] = -20 + 3 * normal(rng);
  }
  Forward forward(int masked) const { return gate.forward(hx, gate.project(hg, he), masked); }
  // The full mixture sum_kj w_kj p_kj, relative to exp(-20).
  double exact(const Forward& f) const {
    double sum = 0;
    for (int k = 0; k < K; ++k)
      for (int j = 0; j < N; ++j)
        if (j != f.masked) sum += std::exp(f.log_pi(k) + f.log_omega(k, j) + s(k, j) + 20);
    return sum;
  }
  double estimate(const Forward& f, const ChosenPairs& c) const {
    double sum = 0;
    for (size_t m = 0; m < c.pairs.size(); ++m) {
      const auto& p = c.pairs[m];
      sum += std::exp(f.log_pi(p.persona) + f.log_omega(p.persona, p.exemplar) + s(p.persona, p.exemplar) + c.log_scale[m] + 20);
    }
    return sum;
  }
};

FitOptions options(int m, double weight) {
  FitOptions o;
  o.top_m = m;
  o.guide_weight = weight;
  return o;
}

}  // namespace

TEST(PairChoice, TopMIsThePapersRule) {
  Problem pr;
  auto o = options(4, 2.0);
  o.pair_choice = "top-m";
  const PairChooser chooser(o, pr.hg, pr.he);
  const auto f = pr.forward(2);
  const auto c = chooser.choose(f, pr.hy, 1);
  const auto top = mop::method::top_pairs(f, 4);
  ASSERT_EQ(c.pairs.size(), top.size());
  for (size_t m = 0; m < top.size(); ++m) {
    EXPECT_EQ(c.pairs[m].persona, top[m].persona);
    EXPECT_EQ(c.pairs[m].exemplar, top[m].exemplar);
    EXPECT_EQ(c.log_scale[m], 0.0);
  }
}

TEST(PairChoice, GuidedEstimateIsUnbiasedForTheFullMixture) {
  Problem pr;
  // (guide weight, gate share): with no gate share a sharp proposal has heavy-tailed weights (the
  // estimate stays unbiased but 40,000 draws would not show it), which is why the default mixes
  // the gate in.
  for (const auto [weight, share] : {std::pair{0.0, 0.0}, {2.0, 0.0}, {2.0, 0.25}, {6.0, 0.25}}) {
    for (const int masked : {-1, 5}) {
      auto o = options(4, weight);
      o.guide_gate_share = share;
      const PairChooser chooser(o, pr.hg, pr.he);
      const auto f = pr.forward(masked);
      const double truth = pr.exact(f);
      const int n = 40000;
      double mean = 0, sq = 0;
      for (int t = 0; t < n; ++t) {
        const auto c = chooser.choose(f, pr.hy, 1000 + t);
        ASSERT_LE(c.pairs.size(), 4u);
        std::set<std::pair<int, int>> seen;
        for (size_t m = 0; m < c.pairs.size(); ++m) {
          EXPECT_NE(c.pairs[m].exemplar, masked);
          EXPECT_TRUE(seen.insert({c.pairs[m].persona, c.pairs[m].exemplar}).second) << "a pair listed twice";
        }
        const double e = pr.estimate(f, c);
        mean += e / n;
        sq += e * e / n;
      }
      const double se = std::sqrt((sq - mean * mean) / n);
      EXPECT_NEAR(mean, truth, 5 * se + 1e-12 * truth) << "guide weight " << weight << ", gate share " << share << ", masked " << masked;
      EXPECT_LT(se / truth, 0.02);  // 40,000 draws: the check has teeth
    }
  }
}

TEST(PairChoice, GuidedKeepsTheGatesTopPairsExactAndIsReproducible) {
  Problem pr;
  const PairChooser chooser(options(4, 2.0), pr.hg, pr.he);
  const auto f = pr.forward(-1);
  const auto top = mop::method::top_pairs(f, 2);  // D = M - G = 4 - 2
  const auto a = chooser.choose(f, pr.hy, 7), b = chooser.choose(f, pr.hy, 7);
  ASSERT_GE(a.pairs.size(), 3u);
  for (size_t m = 0; m < 2; ++m) {
    EXPECT_EQ(a.pairs[m].persona, top[m].persona);
    EXPECT_EQ(a.pairs[m].exemplar, top[m].exemplar);
    EXPECT_EQ(a.log_scale[m], 0.0);
  }
  ASSERT_EQ(a.pairs.size(), b.pairs.size());
  for (size_t m = 0; m < a.pairs.size(); ++m) {
    EXPECT_EQ(a.pairs[m].persona, b.pairs[m].persona);
    EXPECT_EQ(a.pairs[m].exemplar, b.pairs[m].exemplar);
    EXPECT_EQ(a.log_scale[m], b.log_scale[m]);
  }
}

TEST(PairChoice, EveryPairFitsInMThenAllAreExact) {
  Problem pr;
  const PairChooser chooser(options(Problem::K * (Problem::N - 1), 2.0), pr.hg, pr.he);
  const auto f = pr.forward(3);
  const auto c = chooser.choose(f, pr.hy, 1);
  EXPECT_EQ(c.pairs.size(), static_cast<size_t>(Problem::K * (Problem::N - 1)));
  EXPECT_NEAR(pr.estimate(f, c), pr.exact(f), 1e-9 * pr.exact(f));
}

TEST(PairChoice, BadSettingsAreClearErrors) {
  Problem pr;
  auto o = options(4, 2.0);
  o.pair_choice = "noisy";
  EXPECT_THROW(PairChooser(o, pr.hg, pr.he), mop::Error);
  o = options(4, -1.0);
  EXPECT_THROW(PairChooser(o, pr.hg, pr.he), mop::Error);
  o = options(4, 2.0);
  o.guide_gate_share = 1.5;
  EXPECT_THROW(PairChooser(o, pr.hg, pr.he), mop::Error);
  o = options(4, 2.0);
  o.guided_pairs = 5;
  EXPECT_THROW(PairChooser(o, pr.hg, pr.he), mop::Error);
  o.guided_pairs = 4;  // every pair drawn, none exact: allowed
  EXPECT_NO_THROW(PairChooser(o, pr.hg, pr.he));
  EXPECT_EQ(mop::method::guided_pair_count(options(4, 2.0)), 2);
  EXPECT_EQ(mop::method::guided_pair_count(options(3, 2.0)), 2);
  EXPECT_EQ(mop::method::guided_pair_count(options(1, 2.0)), 1);
}
