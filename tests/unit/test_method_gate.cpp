// The MoP gating network: gates are distributions, top-M selection, exact gradients (checked by
// central differences), Adam, a small learning run, and gate / checkpoint files.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "mop/error.h"
#include "mop/gate.h"
#include "support/paths.h"
#include "util/fnv1a.h"

namespace {

using mop::method::Adam;
using mop::method::AdamConfig;
using mop::method::Forward;
using mop::method::Gate;
using mop::method::GateConfig;
using mop::method::Gradients;
using mop::method::MatrixRM;
using mop::method::Pair;
using mop::method::Params;
using mop::method::Projected;
using mop::test::TempDir;

MatrixRM random_unit_rows(int rows, int cols, std::mt19937_64& rng) {
  std::normal_distribution<double> normal;
  MatrixRM m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = normal(rng);
  m.rowwise().normalize();
  return m;
}

// A small problem with a synthetic frozen LM whose log-likelihood depends smoothly on tau:
//   s(r, k, j, tau) = alpha_rkj / tau + beta_rkj * log(tau)
struct Problem {
  int d = 7, p = 5, k = 3, n = 6, records = 4;
  MatrixRM hg, he, hx;
  std::vector<double> alpha, beta;
  std::vector<int> masked;

  explicit Problem(uint64_t seed, bool mask) {
    std::mt19937_64 rng(seed);
    hg = random_unit_rows(k, d, rng);
    he = random_unit_rows(n, d, rng);
    hx = random_unit_rows(records, d, rng);
    std::uniform_real_distribution<double> a(-2.0, 0.0), b(-1.0, 1.0);
    for (int i = 0; i < records * k * n; ++i) {
      alpha.push_back(a(rng));
      beta.push_back(b(rng));
    }
    for (int r = 0; r < records; ++r) masked.push_back(mask ? (r * 2) % n : -1);
  }
  Eigen::VectorXd x(int r) const { return hx.row(r).transpose(); }
  size_t at(int r, const Pair& q) const { return static_cast<size_t>((r * k + q.persona) * n + q.exemplar); }
  double s(int r, const Pair& q, const Eigen::VectorXd& tau) const {
    const double t = tau(q.persona);
    return alpha[at(r, q)] / t + beta[at(r, q)] * std::log(t);
  }
  double ds(int r, const Pair& q, const Eigen::VectorXd& tau) const {
    const double t = tau(q.persona);
    return -alpha[at(r, q)] / (t * t) + beta[at(r, q)] / t;
  }
  std::vector<double> scores(int r, const std::vector<Pair>& pairs, const Eigen::VectorXd& tau, bool deriv) const {
    std::vector<double> out;
    for (const auto& q : pairs) out.push_back(deriv ? ds(r, q, tau) : s(r, q, tau));
    return out;
  }
};

Gate make_gate(const Problem& pr, uint64_t seed) {
  GateConfig cfg;
  cfg.dim_proj = pr.p;
  cfg.seed = seed;
  cfg.init_scale = 1.0;  // logits of order one, so the gates are far from uniform
  Gate gate(pr.d, pr.k, cfg);
  Params p = gate.params();
  std::mt19937_64 rng(seed + 1);
  std::uniform_real_distribution<double> t(0.3, 2.0);  // well inside [tau_min, tau_max]
  for (Eigen::Index i = 0; i < p.tau.size(); ++i) p.tau(i) = t(rng);
  gate.set_params(p);
  return gate;
}

// Total loss of all records with the pairs held fixed.
double total_loss(const Gate& gate, const Problem& pr, const std::vector<std::vector<Pair>>& pairs) {
  const Projected proj = gate.project(pr.hg, pr.he);
  double loss = 0.0;
  for (int r = 0; r < pr.records; ++r) {
    const Forward f = gate.forward(pr.x(r), proj, pr.masked[static_cast<size_t>(r)]);
    loss -= mop::method::log_likelihood(f, pairs[static_cast<size_t>(r)], pr.scores(r, pairs[static_cast<size_t>(r)], gate.tau(), false));
  }
  return loss;
}

// Compares an analytic gradient block with central differences of total_loss, entry by entry.
template <typename Block>
void check_block(Gate& gate, const Problem& pr, const std::vector<std::vector<Pair>>& pairs,
                 Block Params::*block, const Block& analytic, const char* name) {
  const double h = 1e-5;
  const Params base = gate.params();
  double worst = 0.0;
  for (Eigen::Index i = 0; i < analytic.size(); ++i) {
    Params p = base;
    (p.*block).data()[i] += h;
    gate.set_params(p);
    const double up = total_loss(gate, pr, pairs);
    p = base;
    (p.*block).data()[i] -= h;
    gate.set_params(p);
    const double down = total_loss(gate, pr, pairs);
    const double fd = (up - down) / (2 * h);
    const double an = analytic.data()[i];
    EXPECT_NEAR(an, fd, 1e-6 * std::abs(an) + 1e-8) << name << " entry " << i;
    worst = std::max(worst, std::abs(an));
  }
  gate.set_params(base);
  EXPECT_GT(worst, 1e-3) << name << ": gradient is trivially zero, the check proves nothing";
}

// (masking on, pairs per record; 0 means pairs not chosen by top_pairs)
class GateGradient : public ::testing::TestWithParam<std::tuple<bool, int>> {};

TEST_P(GateGradient, MatchesCentralDifferences) {
  const auto [mask, m] = GetParam();
  const Problem pr(11 + static_cast<uint64_t>(m), mask);
  Gate gate = make_gate(pr, 5 + static_cast<uint64_t>(m));
  const Projected proj = gate.project(pr.hg, pr.he);

  std::vector<std::vector<Pair>> pairs;
  std::mt19937_64 rng(3);
  for (int r = 0; r < pr.records; ++r) {
    const Forward f = gate.forward(pr.x(r), proj, pr.masked[static_cast<size_t>(r)]);
    if (m > 0) {
      pairs.push_back(mop::method::top_pairs(f, m));
    } else {
      // Arbitrary pairs, including a repeated persona, low-weight exemplars and a duplicate.
      std::vector<Pair> any;
      for (int t = 0; t < 4; ++t) {
        const int k = static_cast<int>(rng() % static_cast<uint64_t>(pr.k));
        int j = static_cast<int>(rng() % static_cast<uint64_t>(pr.n));
        if (j == f.masked) j = (j + 1) % pr.n;
        any.push_back({k, j, 0.0});
      }
      any.push_back(any.front());
      pairs.push_back(any);
    }
  }

  Gradients grad(gate, pr.n);
  double loss = 0.0;
  for (int r = 0; r < pr.records; ++r) {
    const auto& q = pairs[static_cast<size_t>(r)];
    const Forward f = gate.forward(pr.x(r), proj, pr.masked[static_cast<size_t>(r)]);
    loss += gate.accumulate(pr.x(r), proj, f, q, pr.scores(r, q, gate.tau(), false), pr.scores(r, q, gate.tau(), true), grad);
  }
  EXPECT_NEAR(loss, total_loss(gate, pr, pairs), 1e-12);
  EXPECT_NEAR(grad.loss, loss, 1e-12);
  EXPECT_EQ(grad.records, pr.records);

  const Params an = grad.to_params(pr.hg, pr.he);
  check_block(gate, pr, pairs, &Params::wx, an.wx, "W_x");
  check_block(gate, pr, pairs, &Params::wg, an.wg, "W_g");
  check_block(gate, pr, pairs, &Params::we, an.we, "W_e");
  check_block(gate, pr, pairs, &Params::tau, an.tau, "tau");
}

INSTANTIATE_TEST_SUITE_P(MaskAndM, GateGradient,
                         ::testing::Combine(::testing::Bool(), ::testing::Values(0, 1, 3, 7, 18)));

TEST(Gate, GatesAreDistributionsAndMaskedExemplarGetsZero) {
  const Problem pr(1, true);
  const Gate gate = make_gate(pr, 2);
  const Projected proj = gate.project(pr.hg, pr.he);
  for (int masked : {-1, 0, 3, pr.n - 1}) {
    const Forward f = gate.forward(pr.x(0), proj, masked);
    EXPECT_NEAR(f.log_pi.array().exp().sum(), 1.0, 1e-12);
    for (int k = 0; k < pr.k; ++k) {
      EXPECT_NEAR(f.log_omega.row(k).array().exp().sum(), 1.0, 1e-12);
      for (int j = 0; j < pr.n; ++j) {
        if (j == masked) {
          EXPECT_EQ(std::exp(f.log_omega(k, j)), 0.0);
        } else {
          EXPECT_GT(std::exp(f.log_omega(k, j)), 0.0);
        }
      }
    }
    // Asking for every pair returns all unmasked ones, never the masked exemplar.
    const auto all = mop::method::top_pairs(f, pr.k * pr.n);
    EXPECT_EQ(static_cast<int>(all.size()), pr.k * (masked >= 0 ? pr.n - 1 : pr.n));
    for (const auto& q : all) EXPECT_NE(q.exemplar, masked);
  }
}

TEST(Gate, ForwardIntoReusedStorageMatchesFreshForward) {
  const Problem pr(3, true);
  const Gate gate = make_gate(pr, 1);
  const Projected proj = gate.project(pr.hg, pr.he);
  Forward reused;
  for (int masked : {2, -1, 4}) {  // a masked column from the previous call must not linger
    gate.forward(pr.x(masked < 0 ? 0 : 1), proj, masked, reused);
    const Forward fresh = gate.forward(pr.x(masked < 0 ? 0 : 1), proj, masked);
    EXPECT_EQ(reused.masked, masked);
    EXPECT_EQ(reused.x, fresh.x);
    EXPECT_EQ(reused.log_pi, fresh.log_pi);
    EXPECT_EQ(reused.log_omega, fresh.log_omega);
  }
}

TEST(Gate, ForwardMatchesTheDefinition) {
  const Problem pr(4, false);
  const Gate gate = make_gate(pr, 9);
  const Forward f = gate.forward(pr.x(1), gate.project(pr.hg, pr.he), 2);
  const Params& p = gate.params();
  const Eigen::VectorXd x = p.wx * pr.x(1);
  Eigen::VectorXd u(pr.k);
  for (int k = 0; k < pr.k; ++k) u(k) = x.dot(p.wg * pr.hg.row(k).transpose());
  for (int k = 0; k < pr.k; ++k) {
    EXPECT_NEAR(std::exp(f.log_pi(k)), std::exp(u(k)) / u.array().exp().sum(), 1e-12);
    const Eigen::VectorXd g = p.wg * pr.hg.row(k).transpose();
    Eigen::VectorXd v(pr.n);
    for (int j = 0; j < pr.n; ++j) v(j) = (x + g).dot(p.we * pr.he.row(j).transpose());
    double z = 0.0;
    for (int j = 0; j < pr.n; ++j)
      if (j != 2) z += std::exp(v(j));
    for (int j = 0; j < pr.n; ++j)
      if (j != 2) {
        EXPECT_NEAR(std::exp(f.log_omega(k, j)), std::exp(v(j)) / z, 1e-12);
      }
  }
}

TEST(Gate, TopPairsAreTheLargestInDeterministicOrder) {
  const Problem pr(6, true);
  const Gate gate = make_gate(pr, 7);
  const Projected proj = gate.project(pr.hg, pr.he);
  const Forward f = gate.forward(pr.x(2), proj, 4);
  std::vector<Pair> all;
  for (int k = 0; k < pr.k; ++k)
    for (int j = 0; j < pr.n; ++j)
      if (j != 4) all.push_back({k, j, f.log_pi(k) + f.log_omega(k, j)});
  std::stable_sort(all.begin(), all.end(), [](const Pair& a, const Pair& b) { return a.log_weight > b.log_weight; });
  for (int m : {1, 2, 4, 9, 15, 100}) {
    const auto top = mop::method::top_pairs(f, m);
    ASSERT_EQ(top.size(), std::min<size_t>(static_cast<size_t>(m), all.size()));
    for (size_t t = 0; t < top.size(); ++t) {
      EXPECT_EQ(top[t].persona, all[t].persona);
      EXPECT_EQ(top[t].exemplar, all[t].exemplar);
      EXPECT_EQ(top[t].log_weight, all[t].log_weight);
    }
  }

  // All weights equal: the first M in (k, j) order, skipping the masked exemplar.
  Forward flat;
  flat.log_pi = Eigen::VectorXd::Constant(3, std::log(1.0 / 3));
  flat.log_omega = MatrixRM::Constant(3, 4, std::log(1.0 / 3));
  flat.masked = 1;
  flat.log_omega.col(1).setConstant(-INFINITY);
  const auto tied = mop::method::top_pairs(flat, 4);
  const std::vector<std::pair<int, int>> want = {{0, 0}, {0, 2}, {0, 3}, {1, 0}};
  ASSERT_EQ(tied.size(), want.size());
  for (size_t t = 0; t < want.size(); ++t) {
    EXPECT_EQ(tied[t].persona, want[t].first);
    EXPECT_EQ(tied[t].exemplar, want[t].second);
  }
  EXPECT_THROW(mop::method::top_pairs(flat, 0), std::invalid_argument);
}

TEST(Gate, SeedDeterminesInitialWeights) {
  GateConfig cfg;
  cfg.dim_proj = 4;
  cfg.seed = 42;
  const Gate a(6, 3, cfg), b(6, 3, cfg);
  cfg.seed = 43;
  const Gate c(6, 3, cfg);
  EXPECT_EQ(a.params().wx, b.params().wx);
  EXPECT_EQ(a.params().we, b.params().we);
  EXPECT_NE(a.params().wx, c.params().wx);
  EXPECT_NE(a.params().wx, a.params().wg);  // the blocks draw from one stream, not the same numbers
  EXPECT_TRUE((a.tau().array() == 0.6).all());
  // Default scale 1/sqrt(d): the sample standard deviation of 3 * 4 * 6 draws is near it.
  const double sd = std::sqrt((a.params().wx.array().square().sum() + a.params().wg.array().square().sum() +
                               a.params().we.array().square().sum()) / 72.0);
  EXPECT_NEAR(sd, 1.0 / std::sqrt(6.0), 0.12);
}

TEST(Gate, RejectsMismatchedInputsAndBadSettings) {
  const Problem pr(8, false);
  const Gate gate = make_gate(pr, 1);
  EXPECT_THROW(gate.project(MatrixRM::Zero(pr.k + 1, pr.d), pr.he), mop::Error);
  EXPECT_THROW(gate.project(pr.hg, MatrixRM::Zero(pr.n, pr.d + 1)), mop::Error);
  const Projected proj = gate.project(pr.hg, pr.he);
  EXPECT_THROW(gate.forward(Eigen::VectorXd::Zero(pr.d + 1), proj), mop::Error);
  EXPECT_THROW(gate.forward(pr.x(0), proj, pr.n), std::out_of_range);
  const Projected one = gate.project(pr.hg, pr.he.topRows(1));
  EXPECT_THROW(gate.forward(pr.x(0), one, 0), mop::Error);

  const Forward f = gate.forward(pr.x(0), proj, 1);
  Gradients grad(gate, pr.n);
  const std::vector<Pair> on_masked = {{0, 1, 0.0}};
  EXPECT_THROW(gate.accumulate(pr.x(0), proj, f, on_masked, {0.0}, {0.0}, grad), std::invalid_argument);
  const std::vector<Pair> ok = {{0, 2, 0.0}};
  EXPECT_THROW(gate.accumulate(pr.x(0), proj, f, ok, {NAN}, {0.0}, grad), mop::Error);
  EXPECT_EQ(grad.records, 0);

  GateConfig bad;
  bad.tau_init = 10.0;
  EXPECT_THROW(Gate(4, 2, bad), mop::Error);
  bad = GateConfig{};
  bad.tau_min = 0.0;
  EXPECT_THROW(Gate(4, 2, bad), mop::Error);
  EXPECT_THROW(Gate(0, 2, GateConfig{}), mop::Error);
}

// Adam on 0.5 ||theta - target||^2 over every parameter block.
TEST(Adam, DescendsConvexToyAndClampsTau) {
  GateConfig cfg;
  cfg.dim_proj = 3;
  cfg.seed = 1;
  Gate gate(4, 2, cfg);
  Params target = gate.params();
  std::mt19937_64 rng(9);
  std::normal_distribution<double> normal;
  for (MatrixRM* m : {&target.wx, &target.wg, &target.we})
    for (Eigen::Index i = 0; i < m->size(); ++i) m->data()[i] = normal(rng);
  target.tau << 0.01, 9.0;  // outside [0.05, 5]: tau must stop at the bounds

  const auto toy = [&](const Gate& g, Params* grad) {
    const Params& p = g.params();
    grad->wx = p.wx - target.wx;
    grad->wg = p.wg - target.wg;
    grad->we = p.we - target.we;
    grad->tau = p.tau - target.tau;
    return 0.5 * (grad->wx.squaredNorm() + grad->wg.squaredNorm() + grad->we.squaredNorm());
  };
  AdamConfig ac;
  ac.lr = 0.05;
  Adam adam(gate, ac);
  Params grad;
  const double start = toy(gate, &grad);

  // First step: bias correction makes every move lr * g / (|g| + eps), about lr * sign(g).
  const Params before = gate.params();
  adam.step(gate, grad);
  const MatrixRM moved = before.wx - gate.params().wx;
  for (Eigen::Index i = 0; i < moved.size(); ++i) {
    const double g = grad.wx.data()[i];
    EXPECT_NEAR(moved.data()[i], ac.lr * g / (std::abs(g) + ac.eps), 1e-15);
  }

  double prev = toy(gate, &grad);
  EXPECT_LT(prev, start);
  for (int t = 0; t < 300; ++t) {
    adam.step(gate, grad);
    const double now = toy(gate, &grad);
    if (t < 20) {
      EXPECT_LT(now, prev) << "step " << t;
    }
    prev = now;
    ASSERT_GE(gate.tau().minCoeff(), cfg.tau_min);
    ASSERT_LE(gate.tau().maxCoeff(), cfg.tau_max);
  }
  EXPECT_LT(prev, 1e-3 * start);
  EXPECT_EQ(gate.tau()(0), cfg.tau_min);
  EXPECT_EQ(gate.tau()(1), cfg.tau_max);
  EXPECT_EQ(adam.steps(), 301);
}

TEST(Adam, WeightDecayShrinksWeightsOnly) {
  GateConfig cfg;
  cfg.dim_proj = 3;
  Gate gate(4, 2, cfg);
  const Params start = gate.params();
  AdamConfig ac;
  ac.lr = 0.1;
  ac.weight_decay = 0.5;
  Adam adam(gate, ac);
  Params zero = start;
  zero.wx.setZero();
  zero.wg.setZero();
  zero.we.setZero();
  zero.tau.setZero();
  adam.step(gate, zero);
  EXPECT_TRUE(gate.params().wx.isApprox(start.wx * 0.95, 1e-14));
  EXPECT_TRUE(gate.params().we.isApprox(start.we * 0.95, 1e-14));
  EXPECT_EQ(gate.tau(), start.tau);
}

// One full-batch training step with top-M pairs and the synthetic LM; returns the mean loss.
double train_step(Gate& gate, Adam& adam, const Problem& pr, int m) {
  const Projected proj = gate.project(pr.hg, pr.he);
  Gradients grad(gate, pr.n);
  Forward f;
  for (int r = 0; r < pr.records; ++r) {
    gate.forward(pr.x(r), proj, pr.masked[static_cast<size_t>(r)], f);
    const auto pairs = mop::method::top_pairs(f, m);
    gate.accumulate(pr.x(r), proj, f, pairs, pr.scores(r, pairs, gate.tau(), false), pr.scores(r, pairs, gate.tau(), true), grad);
  }
  adam.step(gate, grad.to_params(pr.hg, pr.he), 1.0 / pr.records);
  return grad.loss / pr.records;
}

TEST(Gate, LearnsToPreferThePersonaTheLmFavours) {
  Problem pr(21, true);
  pr.records = 6;
  pr.n = 5;
  std::mt19937_64 rng(5);
  pr.he = random_unit_rows(pr.n, pr.d, rng);
  pr.hx = random_unit_rows(pr.records, pr.d, rng);
  pr.masked.assign(static_cast<size_t>(pr.records), -1);
  // s = 0 under persona 1 and -5 under the others, independent of tau.
  pr.alpha.assign(static_cast<size_t>(pr.records * pr.k * pr.n), -5.0);
  pr.beta.assign(pr.alpha.size(), 0.0);
  for (int r = 0; r < pr.records; ++r)
    for (int j = 0; j < pr.n; ++j) pr.alpha[pr.at(r, {1, j, 0.0})] = 0.0;

  GateConfig cfg;
  cfg.dim_proj = pr.p;
  cfg.seed = 3;
  Gate gate(pr.d, pr.k, cfg);
  const auto pi1 = [&](int r) {
    return std::exp(gate.forward(pr.x(r), gate.project(pr.hg, pr.he)).log_pi(1));
  };
  for (int r = 0; r < pr.records; ++r) EXPECT_LT(pi1(r), 0.5);

  AdamConfig ac;
  ac.lr = 0.05;
  Adam adam(gate, ac);
  // All K * N pairs, where top-M is the exact mixture: the posterior of persona 1 is then near 1
  // for every record, so every step pushes pi_1 up. (With small M a record whose first selections
  // all miss persona 1 can lock in, which is a property of top-M training, not tested here.)
  for (int t = 0; t < 300; ++t) train_step(gate, adam, pr, pr.k * pr.n);
  for (int r = 0; r < pr.records; ++r) EXPECT_GT(pi1(r), 0.9) << "record " << r;
}

// ---- files ----

void expect_error(const std::function<void()>& load, const std::string& path, const std::string& needle) {
  try {
    load();
    ADD_FAILURE() << "expected mop::Error containing '" << needle << "'";
  } catch (const mop::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << msg;
  }
}

// Rewrites the frame's checksum so that only the deliberate change remains.
std::string with_checksum(std::string bytes) {
  bytes.resize(bytes.size() - 8);
  uint64_t sum = mop::util::fnv1a64(bytes);
  for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>((sum >> (8 * i)) & 0xff));
  return bytes;
}

TEST(GateFile, RoundTripIsExact) {
  const Problem pr(2, false);
  const Gate gate = make_gate(pr, 4);
  TempDir dir;
  const auto path = dir.path() / "sub" / "gate.bin";
  gate.save(path);
  const Gate back = Gate::load(path);
  EXPECT_EQ(back.params().wx, gate.params().wx);
  EXPECT_EQ(back.params().wg, gate.params().wg);
  EXPECT_EQ(back.params().we, gate.params().we);
  EXPECT_EQ(back.tau(), gate.tau());
  EXPECT_EQ(back.tau_min(), gate.tau_min());
  EXPECT_EQ(back.tau_max(), gate.tau_max());
  EXPECT_EQ(std::filesystem::file_size(path), 12u + (12 + 16) + 8 * (3 * 5 * 7 + 3) + 8);
}

TEST(GateFile, BadFilesGiveErrorsNamingThePath) {
  const Problem pr(2, false);
  const Gate gate = make_gate(pr, 4);
  TempDir dir;
  const std::string good_path = dir.file("gate.bin");
  gate.save(good_path);
  const std::string good = mop::test::read_file(good_path);
  const std::string path = dir.file("bad.bin");
  const auto load = [&] { Gate::load(path); };

  expect_error(load, path, "cannot read");  // missing

  for (size_t len : {size_t{0}, size_t{5}, size_t{8}, size_t{12}, size_t{19}, good.size() / 2, good.size() - 1}) {
    mop::test::write_file(path, good.substr(0, len));
    expect_error(load, path, "truncated");
  }

  for (size_t pos = 12; pos < good.size(); pos += 37) {  // payload and checksum bytes
    std::string bad = good;
    bad[pos] = static_cast<char>(bad[pos] ^ 0x10);
    mop::test::write_file(path, bad);
    expect_error(load, path, "checksum mismatch");
  }

  std::string bad = good;
  bad[0] = 'X';
  mop::test::write_file(path, bad);
  expect_error(load, path, "bad magic");
  mop::test::write_file(path, "hello, this is not a gate at all\n");
  expect_error(load, path, "bad magic");

  bad = good;
  bad[8] = 2;  // version 2
  mop::test::write_file(path, with_checksum(bad));
  expect_error(load, path, "unsupported gate file version 2");

  // A consistent checksum over a header that claims huge dimensions: rejected before allocating.
  bad = good;
  bad[12 + 3] = 0x00;
  bad[12 + 2] = 0x10;  // d = 0x100000 | 7
  mop::test::write_file(path, with_checksum(bad));
  expect_error(load, path, "truncated or corrupted");

  bad = good;
  bad.insert(bad.size() - 8, "extra");
  mop::test::write_file(path, with_checksum(bad));
  expect_error(load, path, "unexpected bytes");

  // A checkpoint is not a gate file.
  mop::method::save_checkpoint(path, gate, Adam(gate, AdamConfig{}));
  expect_error(load, path, "bad magic");
}

TEST(Checkpoint, ResumingIsBitIdentical) {
  const Problem pr(31, true);
  AdamConfig ac;
  ac.lr = 0.03;
  ac.weight_decay = 0.01;

  Gate straight = make_gate(pr, 8);
  Adam straight_adam(straight, ac);
  for (int t = 0; t < 10; ++t) train_step(straight, straight_adam, pr, 3);

  Gate first = make_gate(pr, 8);
  Adam first_adam(first, ac);
  for (int t = 0; t < 4; ++t) train_step(first, first_adam, pr, 3);
  TempDir dir;
  const auto path = dir.path() / "ckpt.bin";
  mop::method::save_checkpoint(path, first, first_adam, std::string("epoch 4\0rng", 11));

  auto ck = mop::method::load_checkpoint(path);
  EXPECT_EQ(ck.extra, std::string("epoch 4\0rng", 11));
  EXPECT_EQ(ck.adam.steps(), 4);
  EXPECT_EQ(ck.adam.config().weight_decay, ac.weight_decay);
  for (int t = 0; t < 6; ++t) train_step(ck.gate, ck.adam, pr, 3);
  EXPECT_EQ(ck.gate.params().wx, straight.params().wx);
  EXPECT_EQ(ck.gate.params().wg, straight.params().wg);
  EXPECT_EQ(ck.gate.params().we, straight.params().we);
  EXPECT_EQ(ck.gate.tau(), straight.tau());
  EXPECT_EQ(ck.adam.v().wx, straight_adam.v().wx);

  // Resuming the gate without its optimizer state does not reproduce the run: the moments matter.
  Gate gate_only = Gate::load([&] {
    const auto p = dir.path() / "gate.bin";
    first.save(p);
    return p;
  }());
  Adam fresh(gate_only, ac);
  for (int t = 0; t < 6; ++t) train_step(gate_only, fresh, pr, 3);
  EXPECT_NE(gate_only.params().wx, straight.params().wx);

  // Damaged checkpoints are refused.
  std::string bytes = mop::test::read_file(path.string());
  mop::test::write_file(path.string(), bytes.substr(0, bytes.size() - 3));
  expect_error([&] { mop::method::load_checkpoint(path); }, path.string(), "checksum mismatch");
  bytes[bytes.size() - 20] ^= 0x01;
  mop::test::write_file(path.string(), bytes);
  expect_error([&] { mop::method::load_checkpoint(path); }, path.string(), "checksum mismatch");
}

}  // namespace
