#include "method/pair_choice.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "mop/error.h"
#include "mop/fit_options.h"

namespace mop::method {
namespace {

// (c - mean) / std over the entries other than `skip`: the proposal's sharpness is then in units
// of this record's own spread of similarities, the same for any encoder. All equal gives zeros.
Eigen::VectorXd zscore(Eigen::VectorXd c, Eigen::Index skip) {
  const Eigen::Index n = c.size() - (skip >= 0 ? 1 : 0);
  if (skip >= 0) c(skip) = 0;
  if (n < 2) return Eigen::VectorXd::Zero(c.size());
  const double mean = c.sum() / static_cast<double>(n);
  double ss = 0;
  for (Eigen::Index i = 0; i < c.size(); ++i)
    if (i != skip) ss += (c(i) - mean) * (c(i) - mean);
  const double sd = std::sqrt(ss / static_cast<double>(n));
  if (!(sd > 1e-12)) return Eigen::VectorXd::Zero(c.size());
  c = (c.array() - mean) / sd;
  if (skip >= 0) c(skip) = 0;
  return c;
}

// softmax(weight * z), with `skip` at probability 0.
Eigen::VectorXd proposal(const Eigen::VectorXd& z, double weight, Eigen::Index skip) {
  Eigen::VectorXd q = (weight * z).array() - (weight * z).maxCoeff();
  q = q.array().exp();
  if (skip >= 0) q(skip) = 0;
  return q / q.sum();
}

// A uniform double in [0, 1) from 53 bits: the same draws with every standard library.
double uniform(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1p-53; }

Eigen::Index draw(const Eigen::VectorXd& p, double u) {
  double c = 0;
  for (Eigen::Index i = 0; i < p.size(); ++i) {
    c += p(i);
    if (u < c && p(i) > 0) return i;
  }
  for (Eigen::Index i = p.size() - 1; i >= 0; --i)  // rounding left u above the last sum
    if (p(i) > 0) return i;
  return 0;
}

}  // namespace

int guided_pair_count(const FitOptions& o) {
  if (o.pair_choice == "top-m") return 0;
  if (o.pair_choice != "guided") throw Error("--pair-choice must be guided or top-m, not '" + o.pair_choice + "'");
  if (!(o.guide_weight >= 0) || !std::isfinite(o.guide_weight)) throw Error("--guide-weight must be a finite number >= 0");
  if (!(o.guide_gate_share >= 0 && o.guide_gate_share <= 1)) throw Error("--guide-gate-share must be in [0, 1]");
  if (o.guided_pairs < -1) throw Error("--guided-pairs must be -1 (half of M) or 0 to M");
  if (o.guided_pairs == -1) return (o.top_m + 1) / 2;
  if (o.guided_pairs > o.top_m)
    throw Error("--guided-pairs " + std::to_string(o.guided_pairs) + " is larger than --top-m " + std::to_string(o.top_m));
  return o.guided_pairs;
}

PairChooser::PairChooser(const FitOptions& o, const MatrixRM& hg, const MatrixRM& he)
    : hg_(hg), he_(he), m_(o.top_m), guided_(guided_pair_count(o)), weight_(o.guide_weight), gate_share_(o.guide_gate_share) {}

ChosenPairs PairChooser::choose(const Forward& f, const Eigen::VectorXd& hy, uint64_t stream) const {
  ChosenPairs out;
  const Eigen::Index k_count = f.log_omega.rows(), n = f.log_omega.cols();
  const Eigen::Index available = k_count * (n - (f.masked >= 0 ? 1 : 0));
  // The paper's rule, or nothing left to sample: every available pair fits in M.
  if (guided_ == 0 || available <= m_) {
    out.pairs = top_pairs(f, m_);
    out.log_scale.assign(out.pairs.size(), 0.0);
    return out;
  }
  out.pairs = m_ > guided_ ? top_pairs(f, m_ - guided_) : std::vector<Pair>{};
  out.log_scale.assign(out.pairs.size(), 0.0);

  const Eigen::VectorXd qk = proposal(zscore(hg_ * hy, -1), weight_, -1);
  const Eigen::VectorXd qj = proposal(zscore(he_ * hy, f.masked), weight_, f.masked);
  double exact_mass = 0;  // proposal mass on the exact pairs, which the draws leave out
  for (const auto& p : out.pairs) exact_mass += qk(p.persona) * qj(p.exemplar);
  const auto exact = [&](Eigen::Index k, Eigen::Index j) {
    for (size_t i = 0; i < out.log_scale.size(); ++i)
      if (out.pairs[i].persona == k && out.pairs[i].exemplar == j) return true;
    return false;
  };
  std::mt19937_64 rng(stream);
  // The gate's own weights over the pairs not exact, built on the first draw that needs them.
  std::vector<double> gate_cdf;
  double gate_rest = 0;  // W_R: the gate's mass outside the exact pairs
  const auto gate_weight = [&](Eigen::Index k, Eigen::Index j) { return std::exp(f.log_pi(k) + f.log_omega(k, j)); };
  const auto build_gate = [&] {
    gate_cdf.assign(static_cast<size_t>(k_count * n), 0.0);
    double c = 0;
    for (Eigen::Index k = 0; k < k_count; ++k)
      for (Eigen::Index j = 0; j < n; ++j) {
        if (j != f.masked && !exact(k, j)) c += gate_weight(k, j);
        gate_cdf[static_cast<size_t>(k * n + j)] = c;
      }
    gate_rest = c;
  };
  std::map<std::pair<int, int>, int> drawn;  // ordered: the pairs come out the same everywhere
  for (int g = 0; g < guided_; ++g) {
    Eigen::Index k = 0, j = 0;
    if (uniform(rng) < gate_share_) {
      if (gate_cdf.empty()) build_gate();
      const double u = uniform(rng) * gate_rest;
      const auto at = std::upper_bound(gate_cdf.begin(), gate_cdf.end(), u) - gate_cdf.begin();
      Eigen::Index i = std::min<Eigen::Index>(at, k_count * n - 1);
      // Step back over zero-weight cells (the masked column, exact pairs) that rounding reached.
      while (i > 0 && gate_cdf[static_cast<size_t>(i)] == gate_cdf[static_cast<size_t>(i - 1)]) --i;
      k = i / n, j = i % n;
    } else {
      // Rejection of exact pairs; after many misses (the exact pairs hold nearly all of the
      // proposal) the rest is drawn from it renormalised, by enumeration.
      bool found = false;
      for (int attempt = 0; attempt < 64 && !found; ++attempt) {
        k = draw(qk, uniform(rng));
        j = draw(qj, uniform(rng));
        found = !exact(k, j);
      }
      if (!found) {
        const double u = uniform(rng) * (1.0 - exact_mass);
        double c = 0;
        for (Eigen::Index kk = 0; kk < k_count && !found; ++kk)
          for (Eigen::Index jj = 0; jj < n && !found; ++jj) {
            if (jj == f.masked || exact(kk, jj) || qk(kk) * qj(jj) <= 0) continue;
            k = kk, j = jj;
            c += qk(kk) * qj(jj);
            found = u < c;
          }
      }
    }
    drawn[{static_cast<int>(k), static_cast<int>(j)}]++;
  }
  if (gate_share_ > 0 && gate_cdf.empty()) build_gate();  // q needs W_R even when no draw used it
  const double rest = std::max(1.0 - exact_mass, 1e-300);
  for (const auto& [pair, count] : drawn) {
    const auto [k, j] = pair;
    const double q = (1 - gate_share_) * qk(k) * qj(j) / rest + (gate_share_ > 0 ? gate_share_ * gate_weight(k, j) / gate_rest : 0.0);
    out.pairs.push_back({k, j, f.log_pi(k) + f.log_omega(k, j)});
    out.log_scale.push_back(std::log(static_cast<double>(count) / (guided_ * q)));
  }
  return out;
}

}  // namespace mop::method
