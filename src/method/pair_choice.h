#pragma once
// Which M (persona, exemplar) pairs the trainer scores for a record, and how each counts.
//
// The paper's rule (`top-m`) scores the gate's top M pairs T and maximises the truncated mixture
// log sum_{t in T} w_t p_t, a lower bound whose gap is -log P(T | y), the posterior mass T misses.
// Its exact gradient moves each gate weight towards the record's responsibility restricted to T,
// so pairs that no record's T holds only decay. With no context every record has the same T: the
// gate can only learn about those M pairs (the fit collapses onto them).
//
// `guided` (the default) splits the sum. The gate's top D = M - G pairs are scored exactly, as the
// paper does; the rest, sum_{t not in D} w_t p_t, is estimated from G pairs drawn (with
// replacement) from a proposal q over the pairs not in D, mostly built from the record's own
// response embedding:
//   q(k, j) = (1 - e) h(k, j) + e w_kj / W_R,   h(k, j) ∝ exp(beta (z_g(k) + z_e(j))),
// z_e(j) the z-scored cosine of the response with exemplar j (over this record's exemplars), z_g(k)
// the same with persona k's text, W_R the gate's mass outside D. The gate's share e (defensive
// importance sampling) bounds every weight w / q by W_R / e, so the variance stays finite even
// where the response hint is wrong. The estimate
//   p^(y) = sum_{t in D} w_t p_t + (1/G) sum_g w_{t_g} p_{t_g} / q(t_g)
// is unbiased for the full mixture p(y); its log is biased low (Jensen, as in importance-weighted
// bounds) by an amount that shrinks as q approaches the posterior. Each sampled pair enters the
// loss with its score shifted by log(count / (G q)); gradients are those of log p^. The draws are
// seeded per (seed, record): a fit is reproducible, resumes bit-identically, and a record draws
// the same pairs each epoch (so the score cache serves later epochs) unless its exact pairs moved.
#include <cstdint>
#include <vector>

#include <Eigen/Dense>

#include "mop/gate.h"

namespace mop::method {

struct FitOptions;

struct ChosenPairs {
  std::vector<Pair> pairs;
  std::vector<double> log_scale;  // added to each pair's LM score: 0 for exact pairs
};

class PairChooser {
 public:
  // hg: K x d persona embeddings, he: N x d exemplar embeddings (unit rows).
  PairChooser(const FitOptions& o, const MatrixRM& hg, const MatrixRM& he);

  // The pairs for a record whose gate output is f and whose response embedding is hy (unit
  // norm); `stream` seeds its draws.
  ChosenPairs choose(const Forward& f, const Eigen::VectorXd& hy, uint64_t stream) const;

  bool guided() const { return guided_ > 0; }

 private:
  const MatrixRM& hg_;
  const MatrixRM& he_;
  int m_, guided_;
  double weight_, gate_share_;
};

// The number G of sampled pairs of M the options ask for (the default: half of M, rounded up; 0
// with the paper's rule). Throws mop::Error on a bad setting.
int guided_pair_count(const FitOptions& o);

}  // namespace mop::method
