// Gate construction and parameter handling.
#include <cmath>
#include <numbers>
#include <random>

#include "method/gate_detail.h"
#include "mop/error.h"

namespace mop::method {
namespace detail {

void check_param_shapes(const Params& p, const std::string& what) {
  const auto rows = p.wx.rows(), cols = p.wx.cols();
  if (rows < 1 || cols < 1) throw Error(what + ": empty projection matrices");
  if (p.wg.rows() != rows || p.wg.cols() != cols || p.we.rows() != rows || p.we.cols() != cols)
    throw Error(what + ": W_x, W_g and W_e must have the same shape");
  if (p.tau.size() < 1) throw Error(what + ": no persona temperatures");
}

void check_same_shapes(const Params& p, const Params& like, const std::string& what) {
  check_param_shapes(p, what);
  if (p.wx.rows() != like.wx.rows() || p.wx.cols() != like.wx.cols() || p.tau.size() != like.tau.size())
    throw Error(what + ": shapes do not match the gate (" + std::to_string(p.wx.rows()) + "x" +
                std::to_string(p.wx.cols()) + ", " + std::to_string(p.tau.size()) + " personas vs " +
                std::to_string(like.wx.rows()) + "x" + std::to_string(like.wx.cols()) + ", " +
                std::to_string(like.tau.size()) + ")");
}

Params zeros_like(const Params& like) {
  Params z;
  z.wx = MatrixRM::Zero(like.wx.rows(), like.wx.cols());
  z.wg = MatrixRM::Zero(like.wg.rows(), like.wg.cols());
  z.we = MatrixRM::Zero(like.we.rows(), like.we.cols());
  z.tau = Eigen::VectorXd::Zero(like.tau.size());
  return z;
}

}  // namespace detail

namespace {

// Box-Muller on mt19937_64 bits: std::normal_distribution differs between standard libraries,
// this gives the same weights everywhere for a given seed.
class NormalStream {
 public:
  explicit NormalStream(uint64_t seed) : rng_(seed) {}
  double next() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double u1 = static_cast<double>((rng_() >> 11) + 1) * 0x1p-53;  // (0, 1]: log is finite
    const double u2 = static_cast<double>(rng_() >> 11) * 0x1p-53;
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(2.0 * std::numbers::pi * u2);
    has_spare_ = true;
    return r * std::cos(2.0 * std::numbers::pi * u2);
  }

 private:
  std::mt19937_64 rng_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

void check_tau_range(double tau_min, double tau_max) {
  if (!(tau_min > 0.0) || !(tau_max >= tau_min) || !std::isfinite(tau_max))
    throw Error("gate: temperature range [" + std::to_string(tau_min) + ", " + std::to_string(tau_max) +
                "] must satisfy 0 < tau_min <= tau_max");
}

}  // namespace

Gate::Gate(int dim_in, int n_personas, const GateConfig& config)
    : tau_min_(config.tau_min), tau_max_(config.tau_max) {
  if (dim_in < 1) throw Error("gate: embedding dimension must be >= 1");
  if (n_personas < 1) throw Error("gate: need at least one persona");
  if (config.dim_proj < 1) throw Error("gate: projection dimension must be >= 1");
  check_tau_range(tau_min_, tau_max_);
  if (!(config.tau_init >= tau_min_ && config.tau_init <= tau_max_))
    throw Error("gate: initial temperature " + std::to_string(config.tau_init) + " lies outside [" +
                std::to_string(tau_min_) + ", " + std::to_string(tau_max_) + "]");
  if (!(config.init_scale >= 0.0) || !std::isfinite(config.init_scale))
    throw Error("gate: init_scale must be finite and >= 0");
  const double scale = config.init_scale > 0.0 ? config.init_scale : 1.0 / std::sqrt(double(dim_in));

  NormalStream normal(config.seed);
  for (MatrixRM* w : {&p_.wx, &p_.wg, &p_.we}) {
    w->resize(config.dim_proj, dim_in);
    for (Eigen::Index i = 0; i < w->size(); ++i) w->data()[i] = scale * normal.next();
  }
  p_.tau = Eigen::VectorXd::Constant(n_personas, config.tau_init);
}

Gate::Gate(Params params, double tau_min, double tau_max) : tau_min_(tau_min), tau_max_(tau_max) {
  check_tau_range(tau_min_, tau_max_);
  detail::check_param_shapes(params, "gate");
  p_ = std::move(params);
  p_.tau = p_.tau.cwiseMax(tau_min_).cwiseMin(tau_max_);
}

void Gate::set_params(Params params) {
  detail::check_same_shapes(params, p_, "gate parameters");
  p_ = std::move(params);
  p_.tau = p_.tau.cwiseMax(tau_min_).cwiseMin(tau_max_);
}

}  // namespace mop::method
