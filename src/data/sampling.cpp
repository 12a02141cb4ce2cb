// Seeded sampling. Only std::mt19937_64's raw output is used (its sequence is fixed by the C++
// standard); the bounded draws and the shuffle are ours, so a seed means the same sample with
// every standard library.
#include <algorithm>
#include <map>
#include <numeric>
#include <random>

#include "mop/dataset.h"
#include "mop/error.h"

namespace mop::data {
namespace {

// Uniform in [0, bound): rejects the lowest 2^64 mod bound outputs so that every residue has the
// same number of preimages.
std::uint64_t uniform_below(std::mt19937_64& rng, std::uint64_t bound) {
  const std::uint64_t threshold = (0 - bound) % bound;
  for (;;) {
    const std::uint64_t x = rng();
    if (x >= threshold) return x % bound;
  }
}

// The first n of a partial Fisher-Yates shuffle of pool, ascending.
std::vector<std::size_t> pick(std::vector<std::size_t> pool, std::size_t n, std::mt19937_64& rng) {
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t j = i + uniform_below(rng, pool.size() - i);
    std::swap(pool[i], pool[j]);
  }
  pool.resize(n);
  std::sort(pool.begin(), pool.end());
  return pool;
}

void check_size(std::size_t population, std::size_t n) {
  if (n > population) {
    throw Error("cannot sample " + std::to_string(n) + " records from " + std::to_string(population));
  }
}

}  // namespace

std::vector<std::size_t> sample_indices(std::size_t population, std::size_t n, std::uint64_t seed) {
  check_size(population, n);
  std::vector<std::size_t> pool(population);
  std::iota(pool.begin(), pool.end(), std::size_t{0});
  std::mt19937_64 rng(seed);
  return pick(std::move(pool), n, rng);
}

std::vector<Record> sample(const std::vector<Record>& records, std::size_t n, std::uint64_t seed) {
  return subset(records, sample_indices(records.size(), n, seed));
}

std::vector<std::size_t> stratified_allocation(const std::vector<std::size_t>& group_sizes, std::size_t n) {
  using Wide = unsigned __int128;  // n * size must not overflow
  const std::size_t total = std::accumulate(group_sizes.begin(), group_sizes.end(), std::size_t{0});
  check_size(total, n);
  std::vector<std::size_t> quota(group_sizes.size());
  if (total == 0) return quota;
  std::vector<std::size_t> remainder(group_sizes.size());
  std::size_t given = 0;
  for (std::size_t g = 0; g < group_sizes.size(); ++g) {
    const Wide exact = Wide(n) * group_sizes[g];
    quota[g] = static_cast<std::size_t>(exact / total);
    remainder[g] = static_cast<std::size_t>(exact % total);
    given += quota[g];
  }
  // The fractional parts sum to n - given, each below one, so that many groups get one more,
  // and a group with a remainder always has a member to spare.
  std::vector<std::size_t> order(group_sizes.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (remainder[a] != remainder[b]) return remainder[a] > remainder[b];
    if (group_sizes[a] != group_sizes[b]) return group_sizes[a] > group_sizes[b];
    return a < b;
  });
  for (std::size_t k = 0; given < n; ++k, ++given) ++quota[order[k]];
  return quota;
}

std::vector<std::size_t> stratified_sample_indices(const std::vector<Record>& records, std::size_t n,
                                                   std::uint64_t seed) {
  std::map<std::string, std::vector<std::size_t>> groups;  // ordered by label: deterministic
  for (std::size_t i = 0; i < records.size(); ++i) {
    const Record& r = records[i];
    if (!r.label) {
      const std::string where = r.source.empty() ? "" : " (" + r.source + ":" + std::to_string(r.line) + ")";
      throw Error("record " + r.id + where + " has no label; stratified sampling needs one on every record");
    }
    groups[*r.label].push_back(i);
  }
  std::vector<std::size_t> sizes;
  for (const auto& [label, members] : groups) sizes.push_back(members.size());
  const std::vector<std::size_t> quota = stratified_allocation(sizes, n);
  std::mt19937_64 rng(seed);
  std::vector<std::size_t> chosen;
  std::size_t g = 0;
  for (auto& [label, members] : groups) {
    const auto part = pick(std::move(members), quota[g++], rng);
    chosen.insert(chosen.end(), part.begin(), part.end());
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

std::vector<Record> stratified_sample(const std::vector<Record>& records, std::size_t n, std::uint64_t seed) {
  return subset(records, stratified_sample_indices(records, n, seed));
}

std::vector<Record> subset(const std::vector<Record>& records, const std::vector<std::size_t>& indices) {
  std::vector<Record> out;
  out.reserve(indices.size());
  for (std::size_t i : indices) out.push_back(records.at(i));
  return out;
}

}  // namespace mop::data
