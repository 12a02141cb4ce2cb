// split_records (method/fit_split.h).
#include "method/fit_split.h"

#include <algorithm>
#include <numeric>
#include <random>

namespace mop::method::detail {

void split_records(std::size_t n, const FitOptions& o, std::vector<std::size_t>& train, std::vector<std::size_t>& val) {
  std::vector<std::size_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  std::mt19937_64 rng(o.seed ^ 0x5EEDF00Dull);
  std::shuffle(idx.begin(), idx.end(), rng);
  const std::size_t n_val =
      std::min<std::size_t>(static_cast<std::size_t>(o.max_val), static_cast<std::size_t>(o.val_fraction * n));
  val.assign(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(n_val));
  train.assign(idx.begin() + static_cast<std::ptrdiff_t>(n_val), idx.end());
  std::sort(val.begin(), val.end());
  std::sort(train.begin(), train.end());
}

}  // namespace mop::method::detail
