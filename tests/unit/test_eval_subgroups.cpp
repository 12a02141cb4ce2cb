// Subgroups of the golden set (mop/evaluate.h SubgroupOptions) on planted populations: a set that
// drops a subgroup shows it first in the minority view with zero coverage; a set of copies of one
// golden row has high precision and low recall; field and label groups place rows by their own
// values; the tables survive the result store and reach metrics.json and metrics.md.
#include <gtest/gtest.h>

#include <random>

#include "eval/subgroups.h"
#include "mop/error.h"
#include "mop/eval_store.h"
#include "mop/evaluate.h"

using mop::eval::EvalSet;
using mop::eval::SubgroupTable;

namespace {

constexpr int kBlobs = 4;
const int kSizes[kBlobs] = {120, 90, 60, 30};

// Four Gaussian blobs in 8-d, far apart (each around 20 on its own axis); row i's blob in `blob`,
// its field value "b<blob>", its label "even"/"odd" by blob parity. keep[b] = false leaves blob b out.
EvalSet population(const std::string& name, std::uint64_t seed, const std::vector<bool>& keep = {true, true, true, true},
                   std::vector<int>* blob = nullptr) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> z;
  EvalSet s;
  s.name = s.path = name;
  std::vector<std::vector<float>> rows;
  for (int b = 0; b < kBlobs; ++b) {
    for (int i = 0; i < kSizes[b]; ++i) {
      std::vector<float> x(8);
      for (auto& v : x) v = z(rng);
      if (!keep[static_cast<std::size_t>(b)]) continue;
      x[static_cast<std::size_t>(b)] += 20;
      rows.push_back(x);
      s.texts.push_back(name + " blob " + std::to_string(b) + " row " + std::to_string(i));
      s.labels.push_back(b % 2 ? "odd" : "even");
      s.group_values.push_back("b" + std::to_string(b));
      if (blob) blob->push_back(b);
    }
  }
  s.embeddings.resize(static_cast<long>(rows.size()), 8);
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (int j = 0; j < 8; ++j) s.embeddings(static_cast<long>(i), j) = rows[i][static_cast<std::size_t>(j)];
  return s;
}

mop::eval::SuiteOptions options() {
  mop::eval::SuiteOptions o;
  o.mauve.num_clusters = 5;
  o.subgroups.clusters = kBlobs;
  o.subgroups.group_by = "blob";
  return o;
}

const SubgroupTable& table(const mop::eval::SetResult& r, const std::string& kind) {
  for (const auto& t : r.subgroups)
    if (t.kind == kind) return t;
  throw std::runtime_error("no " + kind + " table");
}

// The cluster that holds most golden rows of blob b (the planted blobs are recovered exactly).
std::string cluster_of_blob(const EvalSet& golden, const std::vector<int>& golden_blob, int b) {
  const auto groupings = mop::eval::detail::golden_groupings(golden, {"even", "odd"}, options().subgroups);
  const auto& clusters = groupings.at(0);
  EXPECT_EQ(clusters.kind, "cluster");
  int found = -1;
  for (std::size_t i = 0; i < golden_blob.size(); ++i) {
    if (golden_blob[i] != b) continue;
    if (found < 0) found = clusters.golden[i];
    EXPECT_EQ(clusters.golden[i], found) << "blob " << b << " split across clusters";
  }
  return clusters.names.at(static_cast<std::size_t>(found));
}

}  // namespace

TEST(Subgroups, ClustersAreNamedBySizeAndRecoverPlantedBlobs) {
  std::vector<int> blob;
  const EvalSet golden = population("g", 1, {true, true, true, true}, &blob);
  for (int b = 0; b < kBlobs; ++b) EXPECT_EQ(cluster_of_blob(golden, blob, b), "cluster " + std::to_string(b + 1));
  mop::eval::SubgroupOptions auto_k;
  EXPECT_EQ(mop::eval::detail::subgroup_clusters(auto_k, 300), 6);
  EXPECT_EQ(mop::eval::detail::subgroup_clusters(auto_k, 40), 2);
  EXPECT_EQ(mop::eval::detail::subgroup_clusters(auto_k, 5000), 10);
  mop::eval::SubgroupOptions too_many;
  too_many.clusters = 400;
  EXPECT_THROW(mop::eval::detail::golden_groupings(golden, {}, too_many), mop::Error);
}

TEST(Subgroups, ADroppedSubgroupTopsTheMinorityViewWithZeroCoverage) {
  std::vector<int> blob;
  const EvalSet golden = population("g", 1, {true, true, true, true}, &blob);
  const EvalSet dropped = population("dropped", 2, {true, true, false, true});
  const auto r = mop::eval::evaluate(golden, {dropped}, nullptr, options());
  const auto& clusters = table(r.sets[0], "cluster");
  ASSERT_EQ(clusters.rows.size(), 4u);
  const std::string missing = cluster_of_blob(golden, blob, 2);
  const auto worst = mop::eval::minority_rows(clusters, 5);
  ASSERT_FALSE(worst.empty());
  EXPECT_EQ(worst[0]->group, missing);
  EXPECT_EQ(worst[0]->synthetic_rows, 0u);
  EXPECT_EQ(*worst[0]->share_ratio, 0);
  EXPECT_EQ(*worst[0]->coverage, 0);
  EXPECT_EQ(*worst[0]->recall, 0);
  EXPECT_FALSE(worst[0]->precision);  // no synthetic row placed there
  EXPECT_TRUE(worst[0]->synthetic_examples.empty());
  EXPECT_EQ(worst[0]->golden_examples.size(), 3u);
  EXPECT_NE(worst[0]->golden_examples[0].find("blob 2"), std::string::npos);
  EXPECT_EQ(worst.size(), 1u);  // every other cluster is over-represented now
  for (const auto& row : clusters.rows) {
    if (row.group != missing) EXPECT_GT(*row.coverage, 0.5) << row.group;
  }
  EXPECT_EQ(*r.sets[0].overall.subgroup_min_ratio, 0);
  EXPECT_EQ(*r.sets[0].overall.subgroup_min_coverage, 0);

  // The field grouping sees the same hole through the set's own values.
  const auto& field = table(r.sets[0], "field");
  EXPECT_EQ(field.by, "blob");
  EXPECT_EQ(field.placement, "its own blob values");
  ASSERT_EQ(field.rows.size(), 4u);
  EXPECT_EQ(field.rows[2].group, "b2");
  EXPECT_EQ(field.rows[2].synthetic_rows, 0u);
  EXPECT_EQ(*field.rows[2].coverage, 0);

  // Labels: the odd label lost none, the even one lost blob 2's rows.
  const auto& labels = table(r.sets[0], "label");
  ASSERT_EQ(labels.rows.size(), 2u);
  EXPECT_EQ(labels.rows[0].group, "even");
  EXPECT_LT(*labels.rows[0].share_ratio, 1);
  EXPECT_GT(*labels.rows[1].share_ratio, 1);
  // ... and the chi-square check sees the label shares moved.
  EXPECT_LT(*r.sets[0].overall.label_chi2_p, 0.01);
}

TEST(Subgroups, CopiesOfOneGoldenRowHaveHighPrecisionAndLowRecall) {
  const EvalSet golden = population("g", 1);
  EvalSet copies;
  copies.name = copies.path = "copies";
  copies.embeddings.resize(60, 8);
  for (int i = 0; i < 60; ++i) {
    copies.embeddings.row(i) = golden.embeddings.row(0);
    copies.texts.push_back(golden.texts[0]);
  }
  auto o = options();
  o.subgroups.group_by.clear();
  const auto r = mop::eval::evaluate(golden, {copies}, nullptr, o);
  const auto& m = r.sets[0].overall;
  EXPECT_EQ(*m.precision, 1);
  EXPECT_EQ(*m.recall, 0);
  EXPECT_LT(*m.coverage, 0.1);
  const auto& clusters = table(r.sets[0], "cluster");
  // All 60 rows land in the first blob's cluster: its share ratio is 1 / its golden share.
  EXPECT_EQ(clusters.rows[0].synthetic_rows, 60u);
  EXPECT_NEAR(*clusters.rows[0].share_ratio, 300.0 / 120.0, 1e-12);
  EXPECT_EQ(*clusters.rows[0].precision, 1);
  EXPECT_EQ(*clusters.rows[0].recall, 0);
  EXPECT_EQ(mop::eval::minority_rows(clusters, 5).size(), 3u);
  // An unlabelled set: label groups by nearest centroid; no chi-square.
  EXPECT_EQ(table(r.sets[0], "label").placement, "nearest centroid");
  EXPECT_FALSE(m.label_chi2);
  EXPECT_TRUE(m.length_ks);
}

TEST(Subgroups, RowsWithoutTheFieldArePlacedByCentroidAndForeignValuesCounted) {
  const EvalSet golden = population("g", 1);
  EvalSet set = population("s", 3);
  for (std::size_t i = 0; i < set.group_values.size(); i += 3) set.group_values[i] = "";    // no value
  for (std::size_t i = 1; i < set.group_values.size(); i += 10) set.group_values[i] = "zz";  // not a golden group (10 of them had none)
  const auto r = mop::eval::evaluate(golden, {set}, nullptr, options());
  const auto& field = table(r.sets[0], "field");
  EXPECT_EQ(field.outside_rows, 30u);
  EXPECT_EQ(field.placement, "its own blob values (90 rows without one: nearest centroid)");
  std::size_t placed = 0;
  for (const auto& row : field.rows) placed += row.synthetic_rows;
  EXPECT_EQ(placed, 270u);
}

TEST(Subgroups, TablesSurviveTheStoreAndReachTheOutputs) {
  const EvalSet golden = population("g", 1);
  const EvalSet dropped = population("dropped", 2, {true, true, false, true});
  const auto r = mop::eval::evaluate(golden, {dropped}, nullptr, options());
  const auto& s = r.sets[0];
  ASSERT_EQ(s.subgroups.size(), 3u);
  EXPECT_EQ(mop::eval::set_result_to_json(mop::eval::set_result_from_json(mop::eval::set_result_to_json(s))),
            mop::eval::set_result_to_json(s));

  const auto j = mop::eval::to_json(r);
  ASSERT_EQ(j.at("subgroups").size(), 3u);
  EXPECT_EQ(j["subgroups"][0]["set"], "dropped");
  EXPECT_EQ(j["subgroups"][0]["kind"], "cluster");
  EXPECT_EQ(j["subgroups"][0]["groups"].size(), 4u);
  EXPECT_EQ(j["rows"][0]["subgroup_min_coverage"], 0.0);
  EXPECT_TRUE(j["rows"][0].contains("length_ks_p"));
  EXPECT_EQ(j["settings"]["subgroups"]["clusters"], 4);

  const std::string md = mop::eval::to_markdown(r);
  EXPECT_NE(md.find("## Who is missing"), std::string::npos);
  EXPECT_NE(md.find("## Checks"), std::string::npos);
  EXPECT_NE(md.find("- **cluster 3**: 20.0% of golden, 0.0% of the set (ratio 0.0000), coverage 0.0000"),
            std::string::npos) << md;
  EXPECT_NE(md.find("| cluster 3 | 60 | 20.0% | 0 | 0.0% | 0.0000 | — | 0.0000 | — | 0.0000 |"), std::string::npos) << md;
}

TEST(Subgroups, OffMeansNoTables) {
  const EvalSet golden = population("g", 1), set = population("s", 2);
  auto o = options();
  o.subgroups.clusters = 0;
  o.subgroups.group_by.clear();
  o.subgroups.labels = false;
  const auto r = mop::eval::evaluate(golden, {set}, nullptr, o);
  EXPECT_TRUE(r.sets[0].subgroups.empty());
  EXPECT_FALSE(r.sets[0].overall.subgroup_min_ratio);
}
