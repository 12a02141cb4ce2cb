// The gate's backward pass for L = -logsumexp_m(log pi_{k_m} + log Omega_{k_m j_m} + s_m).
// With w = softmax_m of those terms and c_k = sum_{m: k_m = k} w_m:
//   dL/d(x . g_k)             = pi_k - c_k                               (full softmax over all K)
//   dL/d(x . e_j + g_k . e_j) = c_k Omega_kj - sum_{m: (k_m, j_m) = (k, j)} w_m   (full over all j)
//   dL/dtau_k                 = -sum_{m: k_m = k} w_m ds_m/dtau
// The second line is zero for personas outside the chosen pairs, so the exemplar side costs
// O(#chosen personas * N * P) per record.
#include <cmath>
#include <stdexcept>

#include "mop/error.h"
#include "mop/gate.h"

namespace mop::method {

Gradients::Gradients(const Gate& gate, int n_exemplars)
    : d_wx(MatrixRM::Zero(gate.dim_proj(), gate.dim_in())),
      d_g(MatrixRM::Zero(gate.n_personas(), gate.dim_proj())),
      d_e(MatrixRM::Zero(n_exemplars, gate.dim_proj())),
      d_tau(Eigen::VectorXd::Zero(gate.n_personas())) {
  if (n_exemplars < 1) throw std::invalid_argument("Gradients: need at least one exemplar");
}

void Gradients::zero() {
  d_wx.setZero();
  d_g.setZero();
  d_e.setZero();
  d_tau.setZero();
  loss = 0.0;
  records = 0;
}

Params Gradients::to_params(const MatrixRM& hg, const MatrixRM& he) const {
  if (hg.rows() != d_g.rows() || he.rows() != d_e.rows() || hg.cols() != d_wx.cols() || he.cols() != d_wx.cols())
    throw std::invalid_argument("Gradients::to_params: embeddings do not match the accumulated shapes");
  Params p;
  p.wx = d_wx;
  p.wg.noalias() = d_g.transpose() * hg;
  p.we.noalias() = d_e.transpose() * he;
  p.tau = d_tau;
  return p;
}

double Gate::accumulate(const Eigen::VectorXd& hx, const Projected& proj, const Forward& f,
                        const std::vector<Pair>& pairs, const std::vector<double>& s,
                        const std::vector<double>& ds_dtau, Gradients& grad) const {
  const int k_count = n_personas();
  const auto n = proj.e.rows();
  if (pairs.empty() || s.size() != pairs.size() || ds_dtau.size() != pairs.size())
    throw std::invalid_argument("Gate::accumulate: need one LM score and derivative per pair, at least one pair");
  if (hx.size() != dim_in() || f.x.size() != dim_proj() || f.log_pi.size() != k_count ||
      f.log_omega.rows() != k_count || f.log_omega.cols() != n || proj.g.rows() != k_count)
    throw std::invalid_argument("Gate::accumulate: forward result does not match the gate and projections");
  if (grad.d_wx.rows() != dim_proj() || grad.d_wx.cols() != dim_in() || grad.d_g.rows() != k_count ||
      grad.d_e.rows() != n || grad.d_tau.size() != k_count)
    throw std::invalid_argument("Gate::accumulate: gradient buffers do not match the gate and exemplar pool");
  for (size_t m = 0; m < pairs.size(); ++m) {
    const auto& p = pairs[m];
    if (p.persona < 0 || p.persona >= k_count || p.exemplar < 0 || p.exemplar >= n || p.exemplar == f.masked)
      throw std::invalid_argument("Gate::accumulate: pair out of range or on the masked exemplar");
    if (!std::isfinite(s[m]) || !std::isfinite(ds_dtau[m]))
      throw Error("language model returned a non-finite log-likelihood or temperature derivative");
  }

  // Responsibilities w_m of the chosen pairs.
  const auto mm = static_cast<Eigen::Index>(pairs.size());
  Eigen::VectorXd a(mm);
  for (Eigen::Index m = 0; m < mm; ++m) {
    const auto& p = pairs[static_cast<size_t>(m)];
    a(m) = f.log_pi(p.persona) + f.log_omega(p.persona, p.exemplar) + s[static_cast<size_t>(m)];
  }
  const double hi = a.maxCoeff();
  const double lse = hi + std::log((a.array() - hi).exp().sum());
  const Eigen::VectorXd w = (a.array() - lse).exp();

  Eigen::VectorXd c = Eigen::VectorXd::Zero(k_count);
  for (Eigen::Index m = 0; m < mm; ++m) {
    const int k = pairs[static_cast<size_t>(m)].persona;
    c(k) += w(m);
    grad.d_tau(k) -= w(m) * ds_dtau[static_cast<size_t>(m)];
  }

  // Persona gate: logits u_k = x . g_k.
  const Eigen::VectorXd du = f.log_pi.array().exp().matrix() - c;
  Eigen::VectorXd dx = proj.g.transpose() * du;
  grad.d_g.noalias() += du * f.x.transpose();

  // Exemplar gate: logits v_kj = x . e_j + g_k . e_j, for the personas the pairs use.
  std::vector<char> done(static_cast<size_t>(k_count), 0);
  Eigen::VectorXd dv(n);
  for (const auto& p : pairs) {
    const int k = p.persona;
    if (done[static_cast<size_t>(k)]) continue;
    done[static_cast<size_t>(k)] = 1;
    dv = c(k) * f.log_omega.row(k).transpose().array().exp().matrix();  // exp(-inf) = 0 when masked
    for (Eigen::Index m = 0; m < mm; ++m)
      if (pairs[static_cast<size_t>(m)].persona == k) dv(pairs[static_cast<size_t>(m)].exemplar) -= w(m);
    const Eigen::VectorXd t = proj.e.transpose() * dv;  // both dL/dx and dL/dg_k receive E'^T dv
    dx += t;
    grad.d_g.row(k) += t.transpose();
    grad.d_e.noalias() += dv * (f.x + proj.g.row(k).transpose()).transpose();
  }

  grad.d_wx.noalias() += dx * hx.transpose();
  grad.loss -= lse;
  grad.records += 1;
  return -lse;
}

}  // namespace mop::method
