#pragma once
// Input checks shared by the metrics: every failure is the user's to fix, so it is a mop::Error
// naming the metric and the set.
#include <string>

#include "mop/embed.h"

namespace mop::eval::detail {

// Throws unless m has at least min_rows rows, at least one column and only finite values.
void check_set(const embed::Matrix& m, const std::string& metric, const std::string& which,
               long min_rows = 1);

// check_set on both, then the same width for both.
void check_pair(const embed::Matrix& golden, const embed::Matrix& synthetic,
                const std::string& metric, long min_rows = 1);

}  // namespace mop::eval::detail
