// The gate's forward pass: projections, persona and exemplar gates, top-M pair selection.
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "mop/error.h"
#include "mop/gate.h"

namespace mop::method {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// log sum exp over the finite entries of v (the masked -inf entries add nothing).
template <typename Vec>
double log_sum_exp(const Vec& v) {
  const double hi = v.maxCoeff();
  if (!std::isfinite(hi)) return hi;
  return hi + std::log((v.array() - hi).exp().sum());
}

std::string dims(Eigen::Index r, Eigen::Index c) { return std::to_string(r) + "x" + std::to_string(c); }

}  // namespace

Projected Gate::project(const MatrixRM& hg, const MatrixRM& he) const {
  if (hg.rows() != n_personas() || hg.cols() != dim_in())
    throw Error("gate: persona embeddings are " + dims(hg.rows(), hg.cols()) + ", the gate expects " +
                dims(n_personas(), dim_in()));
  if (he.rows() < 1 || he.cols() != dim_in())
    throw Error("gate: exemplar embeddings are " + dims(he.rows(), he.cols()) + ", the gate expects N x " +
                std::to_string(dim_in()) + " with N >= 1");
  Projected proj;
  proj.g.noalias() = hg * p_.wg.transpose();
  proj.e.noalias() = he * p_.we.transpose();
  proj.ge.noalias() = proj.g * proj.e.transpose();
  return proj;
}

Forward Gate::forward(const Eigen::VectorXd& hx, const Projected& proj, int masked_exemplar) const {
  Forward f;
  forward(hx, proj, masked_exemplar, f);
  return f;
}

void Gate::forward(const Eigen::VectorXd& hx, const Projected& proj, int masked_exemplar, Forward& f) const {
  if (hx.size() != dim_in())
    throw Error("gate: record embedding has dimension " + std::to_string(hx.size()) + ", the gate expects " +
                std::to_string(dim_in()));
  const auto n = proj.e.rows();
  if (masked_exemplar < -1 || masked_exemplar >= n)
    throw std::out_of_range("gate: masked exemplar " + std::to_string(masked_exemplar) + " out of range");
  if (masked_exemplar >= 0 && n == 1) throw Error("gate: masking the only exemplar leaves none to choose from");
  if (!hx.allFinite()) throw Error("gate: record embedding has non-finite values");

  f.masked = masked_exemplar;
  f.x.noalias() = p_.wx * hx;
  f.log_pi.noalias() = proj.g * f.x;
  f.log_pi.array() -= log_sum_exp(f.log_pi);

  const Eigen::RowVectorXd xe = (proj.e * f.x).transpose();
  f.log_omega = proj.ge;  // reuses f's storage when the shape is unchanged
  f.log_omega.rowwise() += xe;
  if (masked_exemplar >= 0) f.log_omega.col(masked_exemplar).setConstant(kNegInf);
  for (Eigen::Index k = 0; k < f.log_omega.rows(); ++k) {
    auto row = f.log_omega.row(k);
    row.array() -= log_sum_exp(row);
  }
}

std::vector<Pair> top_pairs(const Forward& f, int m) { return top_pairs(f, m, {}, {}, {}); }

std::vector<Pair> top_pairs(const Forward& f, int m, const Eigen::VectorXd& persona_bonus,
                            const Eigen::VectorXd& exemplar_bonus, const std::vector<Pair>& skip) {
  if (m < 1) throw std::invalid_argument("top_pairs: M must be >= 1");
  const auto k_count = f.log_omega.rows(), n = f.log_omega.cols();
  if ((persona_bonus.size() != 0 && persona_bonus.size() != k_count) || (exemplar_bonus.size() != 0 && exemplar_bonus.size() != n))
    throw std::invalid_argument("top_pairs: bonus sizes do not match the gate");
  struct Ranked {
    Pair pair;
    double key;
  };
  // Larger key first; equal keys in (k, j) order, so the choice never depends on the scan.
  const auto better = [](const Ranked& a, const Ranked& b) {
    return a.key > b.key || (a.key == b.key && (a.pair.persona < b.pair.persona ||
                                                (a.pair.persona == b.pair.persona && a.pair.exemplar < b.pair.exemplar)));
  };
  const auto skipped = [&skip](Eigen::Index k, Eigen::Index j) {
    for (const auto& p : skip)
      if (p.persona == k && p.exemplar == j) return true;
    return false;
  };
  // A heap of the best M so far with the worst on top: one pass, no K x N scratch memory.
  std::vector<Ranked> heap;
  heap.reserve(static_cast<size_t>(std::min<Eigen::Index>(m, k_count * n)));
  for (Eigen::Index k = 0; k < k_count; ++k) {
    const double pb = persona_bonus.size() ? persona_bonus(k) : 0.0;
    for (Eigen::Index j = 0; j < n; ++j) {
      if (j == f.masked) continue;
      const double w = f.log_pi(k) + f.log_omega(k, j);
      // A NaN would break the ordering; it only comes from diverged parameters.
      if (std::isnan(w)) throw Error("gate: NaN gate weights (training diverged?)");
      const Ranked c{{static_cast<int>(k), static_cast<int>(j), w}, w + pb + (exemplar_bonus.size() ? exemplar_bonus(j) : 0.0)};
      if (heap.size() < static_cast<size_t>(m)) {
        if (skipped(k, j)) continue;
        heap.push_back(c);
        std::push_heap(heap.begin(), heap.end(), better);
      } else if (better(c, heap.front()) && !skipped(k, j)) {
        std::pop_heap(heap.begin(), heap.end(), better);
        heap.back() = c;
        std::push_heap(heap.begin(), heap.end(), better);
      }
    }
  }
  std::sort_heap(heap.begin(), heap.end(), better);
  std::vector<Pair> out;
  out.reserve(heap.size());
  for (const auto& r : heap) out.push_back(r.pair);
  return out;
}

double log_likelihood(const Forward& f, const std::vector<Pair>& pairs, const std::vector<double>& s) {
  if (pairs.empty() || pairs.size() != s.size())
    throw std::invalid_argument("log_likelihood: need one LM score per pair, at least one pair");
  Eigen::VectorXd a(static_cast<Eigen::Index>(pairs.size()));
  for (size_t m = 0; m < pairs.size(); ++m) {
    if (pairs[m].persona < 0 || pairs[m].persona >= f.log_omega.rows() || pairs[m].exemplar < 0 ||
        pairs[m].exemplar >= f.log_omega.cols())
      throw std::out_of_range("log_likelihood: pair out of range");
    a(static_cast<Eigen::Index>(m)) = f.log_pi(pairs[m].persona) + f.log_omega(pairs[m].persona, pairs[m].exemplar) + s[m];
  }
  return log_sum_exp(a);
}

}  // namespace mop::method
