#include "eval/lbfgs.h"

#include <cmath>
#include <deque>
#include <vector>

namespace mop::eval::detail {

LbfgsResult minimize_lbfgs(const Objective& f, Eigen::VectorXd& x, int max_iter, double grad_tol,
                           int history) {
  Eigen::VectorXd g(x.size());
  double fx = f(x, &g);
  std::deque<Eigen::VectorXd> s_list, y_list;
  std::deque<double> rho_list;
  LbfgsResult r;

  for (r.iterations = 0; r.iterations < max_iter; ++r.iterations) {
    if (g.lpNorm<Eigen::Infinity>() <= grad_tol) {
      r.converged = true;
      break;
    }
    // Two-loop recursion: d = -H g.
    Eigen::VectorXd d = -g;
    std::vector<double> alpha(s_list.size());
    for (size_t i = s_list.size(); i-- > 0;) {
      alpha[i] = rho_list[i] * s_list[i].dot(d);
      d -= alpha[i] * y_list[i];
    }
    if (!s_list.empty()) d *= s_list.back().dot(y_list.back()) / y_list.back().squaredNorm();
    for (size_t i = 0; i < s_list.size(); ++i) d += (alpha[i] - rho_list[i] * y_list[i].dot(d)) * s_list[i];

    double slope = g.dot(d);
    if (!(slope < 0)) {  // lost descent (numerical trouble): restart from steepest descent
      s_list.clear(), y_list.clear(), rho_list.clear();
      d = -g;
      slope = -g.squaredNorm();
    }
    // First step of a fresh start is scaled so it moves x by at most 1.
    double step = s_list.empty() ? std::min(1.0, 1.0 / d.norm()) : 1.0;
    Eigen::VectorXd x_new, g_new(x.size());
    double f_new = 0;
    bool accepted = false;
    for (int tries = 0; tries < 60; ++tries, step *= 0.5) {
      x_new = x + step * d;
      f_new = f(x_new, &g_new);
      if (std::isfinite(f_new) && f_new <= fx + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
    }
    if (!accepted) break;  // no decrease possible at machine precision

    Eigen::VectorXd s = x_new - x, y = g_new - g;
    const double sy = s.dot(y);
    if (sy > 1e-12 * s.norm() * y.norm()) {  // keep only pairs with positive curvature
      s_list.push_back(std::move(s));
      y_list.push_back(std::move(y));
      rho_list.push_back(1.0 / sy);
      if (static_cast<int>(s_list.size()) > history) {
        s_list.pop_front(), y_list.pop_front(), rho_list.pop_front();
      }
    }
    const double previous = fx;
    x = std::move(x_new);
    g = g_new;
    fx = f_new;
    if (std::abs(previous - fx) <= 1e-15 * std::max(1.0, std::abs(fx))) break;  // stalled
  }
  if (!r.converged && g.lpNorm<Eigen::Infinity>() <= grad_tol) r.converged = true;
  r.value = fx;
  return r;
}

}  // namespace mop::eval::detail
