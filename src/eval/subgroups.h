#pragma once
// Subgroups of the golden set (mop/evaluate.h SubgroupOptions): the groupings, defined once per
// evaluation, and one synthetic set's table under each.
#include <string>
#include <vector>

#include "mop/evaluate.h"
#include "mop/metrics.h"

namespace mop::eval::detail {

struct Grouping {
  std::string kind;                // "cluster", "field" or "label"
  std::string by;                  // as SubgroupTable::by
  std::vector<std::string> names;  // one per group, in table order
  std::vector<int> golden;         // each golden row's group
  embed::Matrix centroids;         // one row per group, in the unit-normalised embedding space
};

// The k-means cluster count the options ask for with this many golden rows (0: no clusters).
int subgroup_clusters(const SubgroupOptions& options, long golden_rows);

// Clusters (when asked), the field's values (when asked; golden.group_values must be filled), the
// golden labels (when asked and present), in that order. Throws mop::Error for a cluster count
// above the golden rows.
std::vector<Grouping> golden_groupings(const EvalSet& golden, const std::vector<std::string>& golden_labels,
                                       const SubgroupOptions& options);

// The group whose centroid is nearest each row (unit-normalised), ties to the lower index.
std::vector<int> nearest_groups(const Grouping& grouping, const embed::Matrix& rows);

// One set's table under one grouping; prdc, when given, is prdc_rows(golden, set).
SubgroupTable subgroup_table(const Grouping& grouping, const EvalSet& golden, const EvalSet& set,
                             const PrdcRows* prdc, const SubgroupOptions& options);

}  // namespace mop::eval::detail
