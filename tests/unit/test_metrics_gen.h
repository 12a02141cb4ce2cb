#pragma once
// Seeded synthetic embeddings for the metrics tests.
#include <random>

#include "mop/embed.h"

namespace mop::eval::testing {

// n rows of N(center, sd^2 I) in d dimensions, center = offset * e_axis.
inline embed::Matrix gaussian_rows(long n, long d, unsigned seed, float sd = 1.f, float offset = 0.f,
                                   long axis = 0) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.f, sd);
  embed::Matrix m(n, d);
  for (long i = 0; i < n; ++i)
    for (long j = 0; j < d; ++j) m(i, j) = normal(rng) + (j == axis ? offset : 0.f);
  return m;
}

// n rows from a mixture of `centers` Gaussian clusters (centres drawn from N(0, I) with a fixed
// seed, so every call shares them), each row N(centre, sd^2 I); the row's cluster from `seed`.
inline embed::Matrix mixture_rows(long n, long d, int centers, unsigned seed, float sd = 0.3f) {
  std::mt19937_64 centre_rng(12345);
  std::normal_distribution<float> normal(0.f, 1.f);
  embed::Matrix c(centers, d);
  for (long i = 0; i < centers; ++i)
    for (long j = 0; j < d; ++j) c(i, j) = normal(centre_rng);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> pick(0, centers - 1);
  embed::Matrix m(n, d);
  for (long i = 0; i < n; ++i) {
    const int k = pick(rng);
    for (long j = 0; j < d; ++j) m(i, j) = c(k, j) + sd * normal(rng);
  }
  return m;
}

}  // namespace mop::eval::testing
