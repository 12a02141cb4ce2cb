// Adam (AdamW-style decoupled weight decay) over the gate's parameters.
#include <cmath>

#include "method/gate_detail.h"
#include "mop/error.h"

namespace mop::method {
namespace {

void check_config(const AdamConfig& c) {
  if (!(c.lr >= 0.0) || !std::isfinite(c.lr)) throw Error("adam: learning rate must be finite and >= 0");
  if (!(c.beta1 >= 0.0 && c.beta1 < 1.0) || !(c.beta2 >= 0.0 && c.beta2 < 1.0))
    throw Error("adam: beta1 and beta2 must lie in [0, 1)");
  if (!(c.eps > 0.0)) throw Error("adam: eps must be > 0");
  if (!(c.weight_decay >= 0.0) || !std::isfinite(c.weight_decay)) throw Error("adam: weight decay must be finite and >= 0");
}

// One block's update; `decay` is lr * weight_decay (0 for tau).
template <typename Block>
void update(Block& param, const Block& grad, Block& m, Block& v, double scale, const AdamConfig& c,
            double bc1, double bc2, double decay) {
  m = c.beta1 * m + ((1.0 - c.beta1) * scale) * grad;
  v.array() = c.beta2 * v.array() + ((1.0 - c.beta2) * scale * scale) * grad.array().square();
  if (decay > 0.0) param *= 1.0 - decay;
  param.array() -= c.lr * (m.array() / bc1) / ((v.array() / bc2).sqrt() + c.eps);
}

}  // namespace

Adam::Adam(const Gate& gate, const AdamConfig& config)
    : config_(config), m_(detail::zeros_like(gate.params())), v_(detail::zeros_like(gate.params())) {
  check_config(config_);
}

Adam::Adam(const AdamConfig& config, Params m, Params v, int64_t steps)
    : config_(config), m_(std::move(m)), v_(std::move(v)), t_(steps) {
  check_config(config_);
  detail::check_same_shapes(v_, m_, "adam state");
  if (t_ < 0) throw Error("adam: negative step count");
}

void Adam::step(Gate& gate, const Params& grad, double scale) {
  check_config(config_);  // set_lr may have changed it
  detail::check_same_shapes(grad, gate.params(), "adam gradient");
  detail::check_same_shapes(m_, gate.params(), "adam state");
  ++t_;
  const double bc1 = 1.0 - std::pow(config_.beta1, double(t_));
  const double bc2 = 1.0 - std::pow(config_.beta2, double(t_));
  const double decay = config_.lr * config_.weight_decay;
  Params p = gate.params();
  update(p.wx, grad.wx, m_.wx, v_.wx, scale, config_, bc1, bc2, decay);
  update(p.wg, grad.wg, m_.wg, v_.wg, scale, config_, bc1, bc2, decay);
  update(p.we, grad.we, m_.we, v_.we, scale, config_, bc1, bc2, decay);
  update(p.tau, grad.tau, m_.tau, v_.tau, scale, config_, bc1, bc2, 0.0);
  gate.set_params(std::move(p));  // clamps tau into [tau_min, tau_max]
}

}  // namespace mop::method
