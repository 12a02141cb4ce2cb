#pragma once
// The metric table: one row per metric the suite reports, in the order every table shows them.
// metrics.json, metrics.md, report.html, the stored per-set results (eval_store.h) and the tables
// of `mop experiment` are all made from it, so adding a metric is its own file (metrics.h), its
// computation in the suite (evaluate.cpp) and one row here.
#include <optional>
#include <string>
#include <string_view>

#include "mop/evaluate.h"

namespace mop::eval {

enum class Direction { LowerBetter, HigherBetter };

struct MetricColumn {
  std::string_view name;   // the JSON key (metrics.json, sets/KEY.json, tables.json)
  std::string_view label;  // the column header in metrics.md and report.html, before the arrow
  Direction direction;
  std::optional<double> Metrics::*value;
  bool downstream = false;         // the classifier's score, not a distance to the golden set
  bool experiment_tables = true;   // a column of `mop experiment`'s tables (the paper's)
  // A distribution check or subgroup summary: overall rows only, in its own "checks" table of
  // metrics.md and report.html rather than the main and per-label ones (metrics.json has it in every row).
  bool check = false;
  // Rows per golden label name some metrics differently (macro-F1 is then the class's own F1).
  std::string_view group_name = {};   // empty: name
  std::string_view group_label = {};  // empty: label
  std::string_view formula = {};      // shown after the label in report.html's overall table
  std::string (*format)(const std::optional<double>&) = format_value;  // how a value prints

  std::string_view group_key() const { return group_name.empty() ? name : group_name; }
  // Headers: the label and the better direction's arrow, "FID ↓".
  std::string header() const;
  std::string group_header() const;
  std::string report_header() const;  // "KL-cosine KL(S‖G) ↓"
};

inline constexpr MetricColumn kMetricTable[] = {
    {.name = "fid", .label = "FID", .direction = Direction::LowerBetter, .value = &Metrics::fid},
    {.name = "mauve", .label = "MAUVE", .direction = Direction::HigherBetter, .value = &Metrics::mauve},
    // Reported beside MAUVE; the paper's tables leave it out.
    {.name = "frontier_integral",
     .label = "frontier integral",
     .direction = Direction::LowerBetter,
     .value = &Metrics::frontier_integral,
     .experiment_tables = false},
    {.name = "kl_cosine",
     .label = "KL-cosine",
     .direction = Direction::LowerBetter,
     .value = &Metrics::kl_cosine,
     .formula = "KL(S‖G)"},
    // k-NN manifold metrics (prdc in mop/metrics.h): fidelity, diversity, and their robust forms.
    {.name = "precision", .label = "precision", .direction = Direction::HigherBetter, .value = &Metrics::precision},
    {.name = "recall", .label = "recall", .direction = Direction::HigherBetter, .value = &Metrics::recall},
    {.name = "density", .label = "density", .direction = Direction::HigherBetter, .value = &Metrics::density},
    {.name = "coverage", .label = "coverage", .direction = Direction::HigherBetter, .value = &Metrics::coverage},
    {.name = "macro_f1",
     .label = "macro-F1",
     .direction = Direction::HigherBetter,
     .value = &Metrics::macro_f1,
     .downstream = true,
     .group_name = "class_f1",
     .group_label = "class F1"},
    // Who is missing, in one figure each: the worst group of the first subgrouping (k-means clusters).
    {.name = "subgroup_min_ratio",
     .label = "lowest subgroup share ratio",
     .direction = Direction::HigherBetter,
     .value = &Metrics::subgroup_min_ratio,
     .check = true},
    {.name = "subgroup_min_coverage",
     .label = "lowest subgroup coverage",
     .direction = Direction::HigherBetter,
     .value = &Metrics::subgroup_min_coverage,
     .check = true},
    // The checks people run first: label shares (chi-square) and lengths in words (KS).
    {.name = "label_chi2",
     .label = "label χ²",
     .direction = Direction::LowerBetter,
     .value = &Metrics::label_chi2,
     .experiment_tables = false,
     .check = true},
    {.name = "label_chi2_p",
     .label = "label χ² p",
     .direction = Direction::HigherBetter,
     .value = &Metrics::label_chi2_p,
     .experiment_tables = false,
     .check = true},
    {.name = "length_ks",
     .label = "length KS D",
     .direction = Direction::LowerBetter,
     .value = &Metrics::length_ks,
     .experiment_tables = false,
     .check = true},
    {.name = "length_ks_p",
     .label = "length KS p",
     .direction = Direction::HigherBetter,
     .value = &Metrics::length_ks_p,
     .experiment_tables = false,
     .check = true},
};

// The row named `name`; throws mop::Error when there is none.
const MetricColumn& metric_column(std::string_view name);

}  // namespace mop::eval
