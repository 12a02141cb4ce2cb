#pragma once
// The held-out split of a fit's records, shared by the trainer and its cost plan (fit_plan.cpp),
// so the plan counts the records the fit trains and validates on.
#include <cstddef>
#include <vector>

#include "mop/fit_options.h"

namespace mop::method::detail {

// Held-out records: a seeded sample of val_fraction of the data, at most max_val; both lists sorted.
void split_records(std::size_t n, const FitOptions& o, std::vector<std::size_t>& train, std::vector<std::size_t>& val);

}  // namespace mop::method::detail
