#pragma once
// Tempered log-probability of a token from the top-k log-probabilities a server returns (vLLM's
// prompt_logprobs: raw, temperature-1 values of the k likeliest tokens plus the actual token).
//
// The exact log softmax(z / tau)[y] needs every logit. From top-k we know the entries S and the
// tail mass R = 1 - sum_S p. We place the tail as R / p_cap tokens at p_cap, the smallest top-k
// probability (no tail token can be likelier), and temper that completed distribution:
//   - tau = 1: logprob is exact (the tail's mass is exact); d/dtau uses the placed tail;
//   - tau < 1: the tail is over-weighted, so logprob is a lower bound of the exact value;
//   - tau > 1: the tail is as concentrated as it can be, so logprob is an upper bound;
//   - k = vocabulary size (R = 0): exact for every tau.
// See docs/serving.md.
#include <utility>
#include <vector>

#include "lm/tempered_logprob.h"

namespace mop::lm {

// entries: (token, raw logprob) as returned, the actual token among them; k: the top-k asked for.
TemperedLogprob tempered_from_topk(const std::vector<std::pair<int, double>>& entries, int token, int k, double tau);

}  // namespace mop::lm
