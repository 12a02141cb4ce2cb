// Who is missing: the golden set's subgroups (k-means clusters, a field's values, the labels) and,
// for one synthetic set, each group's share and k-NN figures (eval/subgroups.h).
#include "eval/subgroups.h"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <map>
#include <numeric>

#include "mop/error.h"
#include "mop/kmeans.h"

namespace mop::eval::detail {
namespace {

constexpr std::size_t kExampleBytes = 240;  // an example longer than this is cut, at a character boundary

embed::Matrix unit_rows(const embed::Matrix& m) {
  embed::Matrix out = m;
  for (long i = 0; i < out.rows(); ++i) {
    const float n = out.row(i).norm();
    if (n > 0) out.row(i) /= n;
  }
  return out;
}

int nearest(const embed::Matrix& centroids, const Eigen::RowVectorXf& x) {
  int best = 0;
  float best_d = std::numeric_limits<float>::infinity();
  for (long c = 0; c < centroids.rows(); ++c) {
    const float d = (centroids.row(c) - x).squaredNorm();
    if (d < best_d) best_d = d, best = static_cast<int>(c);
  }
  return best;
}

// Each group's mean of unit-normalised golden rows.
embed::Matrix group_means(const embed::Matrix& unit, const std::vector<int>& group, std::size_t groups) {
  embed::Matrix sums = embed::Matrix::Zero(static_cast<long>(groups), unit.cols());
  std::vector<long> counts(groups, 0);
  for (long i = 0; i < unit.rows(); ++i) sums.row(group[static_cast<std::size_t>(i)]) += unit.row(i), ++counts[static_cast<std::size_t>(group[static_cast<std::size_t>(i)])];
  for (std::size_t g = 0; g < groups; ++g)
    if (counts[g] > 0) sums.row(static_cast<long>(g)) /= static_cast<float>(counts[g]);
  return sums;
}

bool all_numbers(const std::vector<std::string>& values) {
  for (const auto& v : values) {
    char* end = nullptr;
    std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0') return false;
  }
  return true;
}

// A grouping by value: one group per distinct value, numbers in numeric order, other text sorted.
Grouping by_values(std::string kind, std::string by, const std::vector<std::string>& values, const embed::Matrix& unit) {
  std::vector<std::string> names(values.begin(), values.end());
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  if (all_numbers(names))
    std::stable_sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
      return std::strtod(a.c_str(), nullptr) < std::strtod(b.c_str(), nullptr);
    });
  std::map<std::string, int> index;
  for (std::size_t i = 0; i < names.size(); ++i) index[names[i]] = static_cast<int>(i);
  Grouping g;
  g.kind = std::move(kind);
  g.by = std::move(by);
  g.names = std::move(names);
  for (const auto& v : values) g.golden.push_back(index.at(v));
  g.centroids = group_means(unit, g.golden, g.names.size());
  return g;
}

Grouping by_clusters(const embed::Matrix& unit, int k, int seed) {
  cluster::KMeansOptions ko;
  ko.seed = seed;
  const cluster::KMeansResult km = cluster::kmeans(unit, k, ko);
  // Named by golden size, largest first, so "cluster 1" is the biggest part of the population.
  std::vector<long> size(static_cast<std::size_t>(k), 0);
  for (int l : km.labels) ++size[static_cast<std::size_t>(l)];
  std::vector<int> order(static_cast<std::size_t>(k));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return size[static_cast<std::size_t>(a)] > size[static_cast<std::size_t>(b)]; });
  std::vector<int> rank(static_cast<std::size_t>(k));
  Grouping g;
  g.kind = "cluster";
  g.by = "k-means of the golden embeddings, k = " + std::to_string(k) + ", seed " + std::to_string(seed);
  g.centroids.resize(k, unit.cols());
  for (int r = 0; r < k; ++r) {
    rank[static_cast<std::size_t>(order[static_cast<std::size_t>(r)])] = r;
    g.names.push_back("cluster " + std::to_string(r + 1));
    g.centroids.row(r) = km.centroids.row(order[static_cast<std::size_t>(r)]);
  }
  for (int l : km.labels) g.golden.push_back(rank[static_cast<std::size_t>(l)]);
  return g;
}

std::string cut_example(const std::string& text) {
  if (text.size() <= kExampleBytes) return text;
  std::size_t end = kExampleBytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;  // not inside a character
  return text.substr(0, end) + "…";
}

// Up to n of the given rows' texts, nearest the centroid first (ties by row order).
std::vector<std::string> examples(const std::vector<long>& rows, const embed::Matrix& unit,
                                  const std::vector<std::string>& texts, const Eigen::RowVectorXf& centroid, int n) {
  std::vector<std::pair<float, long>> by_distance;
  for (long i : rows) by_distance.emplace_back((unit.row(i) - centroid).squaredNorm(), i);
  const auto keep = std::min(by_distance.size(), static_cast<std::size_t>(std::max(0, n)));
  std::partial_sort(by_distance.begin(), by_distance.begin() + static_cast<std::ptrdiff_t>(keep), by_distance.end());
  std::vector<std::string> out;
  for (std::size_t i = 0; i < keep; ++i) out.push_back(cut_example(texts[static_cast<std::size_t>(by_distance[i].second)]));
  return out;
}

// The set's own values for this grouping, when it has them and at least one names a golden group.
const std::vector<std::string>* own_values(const Grouping& g, const EvalSet& set) {
  const std::vector<std::string>* v = g.kind == "label" ? &set.labels : g.kind == "field" ? &set.group_values : nullptr;
  if (!v || v->empty()) return nullptr;
  for (const auto& x : *v)
    if (std::find(g.names.begin(), g.names.end(), x) != g.names.end()) return v;
  return nullptr;
}

}  // namespace

std::vector<int> nearest_groups(const Grouping& grouping, const embed::Matrix& rows) {
  const embed::Matrix unit = unit_rows(rows);
  std::vector<int> out;
  for (long i = 0; i < unit.rows(); ++i) out.push_back(nearest(grouping.centroids, unit.row(i)));
  return out;
}

int subgroup_clusters(const SubgroupOptions& options, long golden_rows) {
  if (options.clusters >= 0) return options.clusters;
  return static_cast<int>(std::max(2L, std::min(10L, golden_rows / 50)));
}

std::vector<Grouping> golden_groupings(const EvalSet& golden, const std::vector<std::string>& golden_labels,
                                       const SubgroupOptions& options) {
  std::vector<Grouping> out;
  const embed::Matrix unit = unit_rows(golden.embeddings);
  if (const int k = subgroup_clusters(options, unit.rows()); k > 0) {
    if (k > unit.rows())
      throw Error("subgroups: " + std::to_string(k) + " clusters for a golden set of " + std::to_string(unit.rows()) +
                  " rows; lower --subgroups");
    out.push_back(by_clusters(unit, k, options.seed));
  }
  if (!options.group_by.empty()) {
    if (golden.group_values.size() != golden.texts.size())
      throw Error("subgroups: the golden set's values of \"" + options.group_by + "\" were not loaded");
    out.push_back(by_values("field", options.group_by, golden.group_values, unit));
  }
  if (options.labels && !golden_labels.empty()) out.push_back(by_values("label", "label", golden.labels, unit));
  return out;
}

SubgroupTable subgroup_table(const Grouping& grouping, const EvalSet& golden, const EvalSet& set, const PrdcRows* prdc,
                             const SubgroupOptions& options) {
  const auto groups = grouping.names.size();
  std::map<std::string, int> index;
  for (std::size_t i = 0; i < groups; ++i) index[grouping.names[i]] = static_cast<int>(i);

  // Place every row of the set: its own value where it has one, else the nearest centroid.
  const embed::Matrix unit = unit_rows(set.embeddings);
  const std::vector<int> nearest_group = nearest_groups(grouping, set.embeddings);
  const std::vector<std::string>* own = own_values(grouping, set);
  SubgroupTable t;
  t.kind = grouping.kind;
  t.by = grouping.by;
  std::vector<int> place(set.texts.size(), -1);
  std::size_t by_centroid = 0;
  for (std::size_t i = 0; i < set.texts.size(); ++i) {
    if (own && !(*own)[i].empty()) {
      const auto it = index.find((*own)[i]);
      if (it != index.end()) place[i] = it->second;
      else ++t.outside_rows;
    } else {
      place[i] = nearest_group[i];
      ++by_centroid;
    }
  }
  const std::string field = grouping.kind == "label" ? "label" : grouping.by;
  if (!own) t.placement = "nearest centroid";
  else if (by_centroid == 0) t.placement = "its own " + field + " values";
  else t.placement = "its own " + field + " values (" + std::to_string(by_centroid) + " rows without one: nearest centroid)";

  std::vector<std::vector<long>> g_rows(groups), s_rows(groups);
  for (std::size_t i = 0; i < grouping.golden.size(); ++i) g_rows[static_cast<std::size_t>(grouping.golden[i])].push_back(static_cast<long>(i));
  for (std::size_t i = 0; i < place.size(); ++i)
    if (place[i] >= 0) s_rows[static_cast<std::size_t>(place[i])].push_back(static_cast<long>(i));
  const embed::Matrix golden_unit = unit_rows(golden.embeddings);
  const auto n_golden = static_cast<double>(golden.texts.size()), n_set = static_cast<double>(set.texts.size());
  for (std::size_t g = 0; g < groups; ++g) {
    SubgroupRow row;
    row.group = grouping.names[g];
    row.golden_rows = g_rows[g].size();
    row.synthetic_rows = s_rows[g].size();
    row.golden_share = static_cast<double>(row.golden_rows) / n_golden;
    row.synthetic_share = static_cast<double>(row.synthetic_rows) / n_set;
    if (row.golden_share > 0) row.share_ratio = row.synthetic_share / row.golden_share;
    if (prdc) {
      const PrdcPart p = prdc_part(golden.embeddings, set.embeddings, *prdc, g_rows[g], s_rows[g]);
      row.precision = p.precision, row.recall = p.recall, row.density = p.density, row.coverage = p.coverage;
    }
    const Eigen::RowVectorXf centroid = grouping.centroids.row(static_cast<long>(g));
    row.golden_examples = examples(g_rows[g], golden_unit, golden.texts, centroid, options.examples);
    row.synthetic_examples = examples(s_rows[g], unit, set.texts, centroid, options.examples);
    t.rows.push_back(std::move(row));
  }
  return t;
}

}  // namespace mop::eval::detail

namespace mop::eval {

std::vector<const SubgroupRow*> minority_rows(const SubgroupTable& table, int limit) {
  std::vector<const SubgroupRow*> out;
  for (const auto& r : table.rows)
    if (r.share_ratio && *r.share_ratio < 1) out.push_back(&r);
  std::stable_sort(out.begin(), out.end(), [](const SubgroupRow* a, const SubgroupRow* b) {
    if (*a->share_ratio != *b->share_ratio) return *a->share_ratio < *b->share_ratio;
    return a->coverage.value_or(2) < b->coverage.value_or(2);
  });
  if (out.size() > static_cast<std::size_t>(std::max(0, limit))) out.resize(static_cast<std::size_t>(std::max(0, limit)));
  return out;
}

}  // namespace mop::eval
