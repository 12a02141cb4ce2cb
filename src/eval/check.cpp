#include "eval/check.h"

#include "mop/error.h"

namespace mop::eval::detail {

void check_set(const embed::Matrix& m, const std::string& metric, const std::string& which,
               long min_rows) {
  if (m.rows() == 0 || m.cols() == 0)
    throw Error(metric + ": the " + which + " set is empty");
  if (m.rows() < min_rows)
    throw Error(metric + ": the " + which + " set has " + std::to_string(m.rows()) +
                " rows; it needs at least " + std::to_string(min_rows));
  if (!m.allFinite())
    throw Error(metric + ": the " + which + " set has a NaN or infinite value");
}

void check_pair(const embed::Matrix& golden, const embed::Matrix& synthetic,
                const std::string& metric, long min_rows) {
  check_set(golden, metric, "golden", min_rows);
  check_set(synthetic, metric, "synthetic", min_rows);
  if (golden.cols() != synthetic.cols())
    throw Error(metric + ": embedding widths differ (golden " + std::to_string(golden.cols()) +
                ", synthetic " + std::to_string(synthetic.cols()) + ")");
}

}  // namespace mop::eval::detail
