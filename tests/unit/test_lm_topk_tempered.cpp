// Tempered scores from top-k log-probabilities (the HTTP scoring path), against the exact values
// from full logits.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "lm/tempered_logprob.h"
#include "lm/topk_tempered.h"
#include "mop/error.h"

using mop::lm::tempered_from_topk;
using mop::lm::tempered_logprob;

namespace {

// What a vLLM-style server returns: raw logprobs of the k likeliest tokens plus token y.
std::vector<std::pair<int, double>> topk_entries(const std::vector<float>& z, int y, int k) {
  double top = *std::max_element(z.begin(), z.end()), s = 0;
  for (float v : z) s += std::exp(v - top);
  const double lse = top + std::log(s);
  std::vector<int> order(z.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) { return z[a] > z[b]; });
  std::vector<std::pair<int, double>> out;
  bool has_y = false;
  for (int r = 0; r < k; ++r) {
    out.emplace_back(order[r], z[order[r]] - lse);
    has_y |= order[r] == y;
  }
  if (!has_y) out.emplace_back(y, z[y] - lse);
  return out;
}

std::vector<float> logits(int n, unsigned seed, float sd) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, sd);
  std::vector<float> z(n);
  for (auto& v : z) v = d(rng);
  return z;
}

}  // namespace

TEST(TopkTempered, WholeVocabularyIsExactAtEveryTau) {
  const auto z = logits(300, 3, 2.5f);
  for (double tau : {0.4, 0.8, 1.0, 1.6})
    for (int y : {0, 42, 299}) {
      const auto exact = tempered_logprob(z.data(), z.size(), y, tau);
      const auto got = tempered_from_topk(topk_entries(z, y, 300), y, 300, tau);
      EXPECT_NEAR(got.logprob, exact.logprob, 1e-6) << tau << " " << y;
      EXPECT_NEAR(got.dlogprob_dtau, exact.dlogprob_dtau, 1e-6) << tau << " " << y;
    }
}

TEST(TopkTempered, TauOneLogprobIsExactFromFewEntries) {
  const auto z = logits(5000, 5, 3.f);
  for (int y : {1, 700, 4999}) {
    const auto exact = tempered_logprob(z.data(), z.size(), y, 1.0);
    const auto got = tempered_from_topk(topk_entries(z, y, 5), y, 5, 1.0);
    EXPECT_NEAR(got.logprob, exact.logprob, 1e-6) << y;
  }
}

TEST(TopkTempered, BoundsTheExactValueBelowAndAboveTauOne) {
  // The tail placed at the k-th probability over-weights it for tau < 1 (lower bound) and is as
  // concentrated as it can be for tau > 1 (upper bound).
  const auto z = logits(2000, 9, 2.f);
  for (int y : {3, 1000}) {
    for (int k : {1, 5, 20}) {
      const auto entries = topk_entries(z, y, k);
      for (double tau : {0.5, 0.8}) {
        EXPECT_LE(tempered_from_topk(entries, y, k, tau).logprob, tempered_logprob(z.data(), z.size(), y, tau).logprob + 1e-9)
            << k << " " << tau;
      }
      for (double tau : {1.25, 2.0}) {
        EXPECT_GE(tempered_from_topk(entries, y, k, tau).logprob, tempered_logprob(z.data(), z.size(), y, tau).logprob - 1e-9)
            << k << " " << tau;
      }
    }
  }
  // And gets closer as k grows.
  const int y = 1000;
  const double exact = tempered_logprob(z.data(), z.size(), y, 0.6).logprob;
  const double e5 = std::abs(tempered_from_topk(topk_entries(z, y, 5), y, 5, 0.6).logprob - exact);
  const double e200 = std::abs(tempered_from_topk(topk_entries(z, y, 200), y, 200, 0.6).logprob - exact);
  EXPECT_LT(e200, e5);
}

TEST(TopkTempered, MissingTokenIsAnError) {
  EXPECT_THROW(tempered_from_topk({{1, -0.1}, {2, -2.4}}, 7, 2, 1.0), mop::Error);
}
