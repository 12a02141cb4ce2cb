#include "lm/tempered_logprob.h"

#include <algorithm>
#include <cmath>

namespace mop::lm {

TemperedLogprob tempered_logprob(const float* logits, size_t n_vocab, int token, double tau) {
  const float zmax = *std::max_element(logits, logits + n_vocab);
  const float inv_tau = static_cast<float>(1.0 / tau);
  // Blocks of float work (vectorisable) folded into double accumulators.
  double sum = 0.0, sum_z = 0.0;
  constexpr size_t kBlock = 1024;
  for (size_t start = 0; start < n_vocab; start += kBlock) {
    const size_t end = std::min(n_vocab, start + kBlock);
    float s = 0.f, sz = 0.f;
    for (size_t v = start; v < end; ++v) {
      const float d = logits[v] - zmax;  // shift by the max: exp never overflows
      const float e = std::exp(d * inv_tau);
      s += e;
      sz += e * d;
    }
    sum += s;
    sum_z += sz;
  }
  const double zy = static_cast<double>(logits[token]) - zmax;
  const double log_z = std::log(sum);
  const double expected_z = sum_z / sum;  // E_p[z - zmax]
  return {zy / tau - log_z, (expected_z - zy) / (tau * tau)};
}

}  // namespace mop::lm
