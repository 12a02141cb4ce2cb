// The metric table's headers, its number format and the lookup by name.
#include "mop/metric_table.h"

#include <cmath>
#include <cstdio>

#include "mop/error.h"

namespace mop::eval {
namespace {

std::string with_arrow(std::string_view label, Direction direction) {
  return std::string(label) + (direction == Direction::LowerBetter ? " ↓" : " ↑");
}

}  // namespace

std::string MetricColumn::header() const { return with_arrow(label, direction); }

std::string MetricColumn::group_header() const {
  return with_arrow(group_label.empty() ? label : group_label, direction);
}

std::string MetricColumn::report_header() const {
  return formula.empty() ? header() : with_arrow(std::string(label) + " " + std::string(formula), direction);
}

std::string format_value(const std::optional<double>& value) {
  if (!value) return "—";
  char buf[32];
  const double v = *value;
  if (v != 0 && std::fabs(v) < 1e-3) std::snprintf(buf, sizeof buf, "%.2e", v);
  else std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

const MetricColumn& metric_column(std::string_view name) {
  for (const auto& c : kMetricTable)
    if (c.name == name) return c;
  throw Error("no metric named " + std::string(name));
}

}  // namespace mop::eval
