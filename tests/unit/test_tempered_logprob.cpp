#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "lm/tempered_logprob.h"

using mop::lm::tempered_logprob;

namespace {
// Reference in long double, straight from the definition.
long double reference_logprob(const std::vector<float>& z, int y, long double tau) {
  long double s = 0;
  for (float v : z) s += std::exp(static_cast<long double>(v) / tau);
  return static_cast<long double>(z[y]) / tau - std::log(s);
}
}  // namespace

TEST(TemperedLogprob, MatchesDefinition) {
  std::mt19937 rng(7);
  std::normal_distribution<float> n(0.f, 4.f);
  std::vector<float> z(32000);
  for (auto& v : z) v = n(rng);
  for (double tau : {0.3, 0.6, 1.0, 1.7}) {
    for (int y : {0, 17, 31999}) {
      auto r = tempered_logprob(z.data(), z.size(), y, tau);
      EXPECT_NEAR(r.logprob, static_cast<double>(reference_logprob(z, y, tau)), 1e-5) << tau;
    }
  }
}

TEST(TemperedLogprob, DerivativeMatchesFiniteDifference) {
  std::mt19937 rng(11);
  std::normal_distribution<float> n(0.f, 3.f);
  std::vector<float> z(5000);
  for (auto& v : z) v = n(rng);
  for (double tau : {0.4, 0.6, 1.3}) {
    const double h = 1e-4;
    const double fd = static_cast<double>(
        (reference_logprob(z, 42, tau + h) - reference_logprob(z, 42, tau - h)) / (2 * h));
    EXPECT_NEAR(tempered_logprob(z.data(), z.size(), 42, tau).dlogprob_dtau, fd, 1e-4 * std::max(1.0, std::abs(fd)));
  }
}

TEST(TemperedLogprob, ProbabilitiesSumToOne) {
  std::vector<float> z = {1.f, -2.f, 0.5f, 3.f, 0.f};
  for (double tau : {0.2, 1.0, 5.0}) {
    double total = 0;
    for (int y = 0; y < 5; ++y) total += std::exp(tempered_logprob(z.data(), z.size(), y, tau).logprob);
    EXPECT_NEAR(total, 1.0, 1e-6);
  }
}
