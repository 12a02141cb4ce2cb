#include "lm/topk_tempered.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "mop/error.h"

namespace mop::lm {

TemperedLogprob tempered_from_topk(const std::vector<std::pair<int, double>>& entries, int token, int k, double tau) {
  if (!(tau > 0)) throw Error("tau must be positive");
  double l_y = std::numeric_limits<double>::quiet_NaN();
  double mass = 0, cap = std::numeric_limits<double>::infinity(), cap_without_y = cap;
  for (const auto& [t, l] : entries) {
    mass += std::exp(l);
    cap = std::min(cap, l);
    if (t == token) l_y = l;
    else cap_without_y = std::min(cap_without_y, l);
  }
  if (std::isnan(l_y)) throw Error("the server's log-probabilities omit the scored token " + std::to_string(token));
  // The actual token comes on top of the k likeliest when it is not one of them.
  if (static_cast<int>(entries.size()) > k && std::isfinite(cap_without_y)) cap = cap_without_y;
  const double tail = std::max(0.0, 1.0 - mass);
  const double tail_count = tail > 0 && std::isfinite(cap) ? tail / std::exp(cap) : 0.0;

  // log-sum-exp over the entries and the placed tail, and E_p[l] under the tempered distribution.
  double top = -std::numeric_limits<double>::infinity();
  for (const auto& e : entries) top = std::max(top, e.second / tau);
  double z = 0, zl = 0;
  for (const auto& e : entries) {
    const double w = std::exp(e.second / tau - top);
    z += w;
    zl += w * e.second;
  }
  if (tail_count > 0) {
    const double w = tail_count * std::exp(cap / tau - top);
    z += w;
    zl += w * cap;
  }
  TemperedLogprob out;
  out.logprob = l_y / tau - (top + std::log(z));
  out.dlogprob_dtau = (zl / z - l_y) / (tau * tau);
  return out;
}

}  // namespace mop::lm
