#pragma once
// mop::method — the gating network of Mixture of Personas (Bui et al. 2025), the only part that is
// trained (the language model stays frozen).
//
// Inputs are unit sentence embeddings of dimension d: h(x) of a record's input, h(g_k) of the K
// persona texts and h(e_j) of the N exemplars. Parameters: W_x, W_g, W_e (each P x d) and one
// temperature tau_k per persona, kept within [tau_min, tau_max].
//   x = W_x h(x),  g_k = W_g h(g_k),  e_j = W_e h(e_j)
//   persona gate    pi_k       = softmax_k(x . g_k)
//   exemplar gate   Omega_kj   = softmax_j(x . e_j + g_k . e_j)   (a masked j gets probability 0)
//   p(y | x) = sum_kj pi_k Omega_kj p_LM^{tau_k}(y | g_k, x_j, y_j, x)
// Training keeps only the top-M pairs (k, j) by log pi_k + log Omega_kj (selection held constant):
//   L = -logsumexp_m(log pi_{k_m} + log Omega_{k_m j_m} + s_m),   s_m = log p^{tau_{k_m}}(y | prompt_m)
//
// One optimizer step, as a trainer runs it:
//   Projected proj = gate.project(hg, he);            // once per step: O((K + N) P d + K N P)
//   Gradients grad(gate, N);
//   Forward f;
//   for each record i in the batch:
//     gate.forward(hx_i, proj, masked_i, f);           // O(P d + N P + K N), reusing f
//     auto pairs = top_pairs(f, M);
//     ... the LM scores the pairs: s[m], ds_dtau[m] at tau[pairs[m].persona] ...
//     gate.accumulate(hx_i, proj, f, pairs, s, ds_dtau, grad);
//   adam.step(gate, grad.to_params(hg, he), 1.0 / batch_size);
//
// Everything is double precision and deterministic: the same seed and inputs give bit-identical
// parameters, and a checkpoint resumes training bit-identically.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Dense>

#include "mop/fit_options.h"  // GateConfig, AdamConfig

namespace mop::method {

using MatrixRM = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// The trainable parameters, or a gradient / optimizer moment with the same shapes.
struct Params {
  MatrixRM wx, wg, we;  // P x d each
  Eigen::VectorXd tau;  // K
};

// Persona and exemplar embeddings under the current parameters. They do not depend on the record,
// so a trainer computes them once per optimizer step and shares them across the batch.
struct Projected {
  MatrixRM g;   // K x P: rows W_g h(g_k)
  MatrixRM e;   // N x P: rows W_e h(e_j)
  MatrixRM ge;  // K x N: g_k . e_j
};

// The gate's output for one record.
struct Forward {
  Eigen::VectorXd x;       // P: W_x h(x)
  Eigen::VectorXd log_pi;  // K: log pi_k
  MatrixRM log_omega;      // K x N: log Omega_kj; the masked column is -inf
  int masked = -1;         // the excluded exemplar, or -1
};

struct Pair {
  int persona;
  int exemplar;
  double log_weight;  // log pi_k + log Omega_kj
};

// The min(M, available) pairs with the largest log weight, largest first; equal weights keep
// (k, j) order. A masked exemplar is never returned. M must be >= 1.
std::vector<Pair> top_pairs(const Forward& f, int m);

// The same ranked by log weight + persona_bonus[k] + exemplar_bonus[j] (an empty vector adds
// nothing), leaving out the pairs in `skip`. Pair::log_weight is still the gate's log weight.
std::vector<Pair> top_pairs(const Forward& f, int m, const Eigen::VectorXd& persona_bonus,
                            const Eigen::VectorXd& exemplar_bonus, const std::vector<Pair>& skip);

// The mixture's log-likelihood over the given pairs: logsumexp_m(log pi + log Omega + s_m), with the
// gate weights read from `f` (not from Pair::log_weight).
double log_likelihood(const Forward& f, const std::vector<Pair>& pairs, const std::vector<double>& s);

class Gate;

// Sums of per-record loss gradients over a batch. W_g and W_e get theirs through the projected
// personas and exemplars (d_g, d_e), turned into dW_g = d_g^T hg and dW_e = d_e^T he by to_params
// once per batch, instead of an O(N P d) product per record.
struct Gradients {
  MatrixRM d_wx;          // P x d
  MatrixRM d_g;           // K x P: dL/d(W_g h(g_k))
  MatrixRM d_e;           // N x P: dL/d(W_e h(e_j))
  Eigen::VectorXd d_tau;  // K
  double loss = 0.0;      // summed loss of the accumulated records
  int records = 0;

  Gradients(const Gate& gate, int n_exemplars);
  void zero();
  // Gradient with respect to the parameters (summed, not averaged), from the same hg and he that
  // were projected.
  Params to_params(const MatrixRM& hg, const MatrixRM& he) const;
};

class Gate {
 public:
  // Fresh gate for d-dimensional embeddings and K personas. Throws mop::Error on a bad config.
  Gate(int dim_in, int n_personas, const GateConfig& config);
  // Gate with the given parameters (W_x, W_g, W_e all P x d; tau is clamped into range).
  Gate(Params params, double tau_min, double tau_max);

  int dim_in() const { return static_cast<int>(p_.wx.cols()); }
  int dim_proj() const { return static_cast<int>(p_.wx.rows()); }
  int n_personas() const { return static_cast<int>(p_.tau.size()); }
  double tau_min() const { return tau_min_; }
  double tau_max() const { return tau_max_; }
  const Params& params() const { return p_; }
  const Eigen::VectorXd& tau() const { return p_.tau; }
  // Replaces the parameters (shapes must match; tau is clamped into range).
  void set_params(Params params);

  // hg: K x d persona embeddings, he: N x d exemplar embeddings (N >= 1).
  Projected project(const MatrixRM& hg, const MatrixRM& he) const;
  // hx: the record's d-dim embedding. masked_exemplar: -1, or the exemplar to exclude (the record
  // itself when it sits in the pool); it must leave at least one exemplar.
  Forward forward(const Eigen::VectorXd& hx, const Projected& proj, int masked_exemplar = -1) const;
  // The same into `out`, reusing its storage: a training loop then allocates no K x N block per record.
  void forward(const Eigen::VectorXd& hx, const Projected& proj, int masked_exemplar, Forward& out) const;

  // Adds one record's loss gradient into `grad` and returns its loss. `f` is forward() of this hx
  // and proj under the current parameters; s[m] and ds_dtau[m] are the LM's log-likelihood of the
  // record under pairs[m] at tau[pairs[m].persona] and its derivative in tau. Throws mop::Error if
  // the LM values are not finite.
  double accumulate(const Eigen::VectorXd& hx, const Projected& proj, const Forward& f,
                    const std::vector<Pair>& pairs, const std::vector<double>& s,
                    const std::vector<double>& ds_dtau, Gradients& grad) const;

  // Binary file (magic, version, dims, parameters, FNV-1a checksum), written atomically. load
  // throws mop::Error naming the path for a missing, truncated, corrupted or foreign file.
  void save(const std::filesystem::path& path) const;
  static Gate load(const std::filesystem::path& path);

 private:
  Params p_;
  double tau_min_, tau_max_;
};

// Adam with bias correction. Each step clamps tau into [tau_min, tau_max].
class Adam {
 public:
  Adam(const Gate& gate, const AdamConfig& config);
  // Restores a saved state (shapes of m and v must agree).
  Adam(const AdamConfig& config, Params m, Params v, int64_t steps);

  // One update with gradient `grad * scale` (scale = 1 / batch size turns summed into mean).
  void step(Gate& gate, const Params& grad, double scale = 1.0);

  void set_lr(double lr) { config_.lr = lr; }
  const AdamConfig& config() const { return config_; }
  const Params& m() const { return m_; }
  const Params& v() const { return v_; }
  int64_t steps() const { return t_; }

 private:
  AdamConfig config_;
  Params m_, v_;
  int64_t t_ = 0;
};

// Training state to resume from: gate, optimizer, and the trainer's own opaque bytes (epoch,
// random state, ...). Resuming from it continues bit-identically.
struct Checkpoint {
  Gate gate;
  Adam adam;
  std::string extra;
};

// Written atomically; load throws mop::Error naming the path on any bad file.
void save_checkpoint(const std::filesystem::path& path, const Gate& gate, const Adam& adam,
                     std::string_view extra = {});
Checkpoint load_checkpoint(const std::filesystem::path& path);

}  // namespace mop::method
