#pragma once
// log softmax(z / tau)[y] and its derivative with respect to tau, for one row of logits.
//   log p   = z_y / tau - log sum_v exp(z_v / tau)
//   d/dtau  = (E_p[z] - z_y) / tau^2        where p = softmax(z / tau)
// Sums are accumulated in double so a 150k-entry vocabulary keeps 1e-6 relative accuracy.
#include <cstddef>

namespace mop::lm {

struct TemperedLogprob {
  double logprob;
  double dlogprob_dtau;
};

TemperedLogprob tempered_logprob(const float* logits, size_t n_vocab, int token, double tau);

}  // namespace mop::lm
