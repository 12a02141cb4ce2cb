// Who is missing, through `mop eval` on the shared data: a real sample with one golden cluster
// taken out shows that cluster first in the minority table with coverage near 0 (and the full
// sample does not); --group-by places rows by their own field values; checks are written.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>

#include "eval/subgroups.h"
#include "mop/embed_open.h"
#include "mop/evaluate.h"
#include "support/paths.h"
#include "support/shared_data.h"

using mop::test::cli_path;
using mop::test::read_file;
using mop::test::run_command;
using mop::test::TempDir;
using mop::test::write_slice;
using nlohmann::json;

namespace {

json table_of(const json& metrics, const std::string& set, const std::string& kind) {
  for (const auto& t : metrics.at("subgroups"))
    if (t.at("set") == set && t.at("kind") == kind) return t;
  ADD_FAILURE() << "no " << kind << " table for " << set;
  return json::object();
}

const json& group_of(const json& table, const std::string& name) {
  for (const auto& g : table.at("groups"))
    if (g.at("group") == name) return g;
  throw std::runtime_error("no group " + name);
}

// The group with the lowest share ratio (ties: lowest coverage), as the minority view ranks them.
std::string most_missing(const json& table) {
  const json* best = nullptr;
  for (const auto& g : table.at("groups")) {
    if (!best || g.at("share_ratio").get<double>() < best->at("share_ratio").get<double>() ||
        (g.at("share_ratio") == best->at("share_ratio") &&
         g.at("coverage").get<double>() < best->at("coverage").get<double>()))
      best = &g;
  }
  return best ? best->at("group").get<std::string>() : "";
}

}  // namespace

TEST(EvalSubgroupsCli, ARealSampleWithoutOneGoldenClusterShowsItMissing) {
  TempDir dir;
  write_slice("sst2/test.jsonl", 0, 800, dir.file("golden.jsonl"));
  write_slice("sst2/train.jsonl", 0, 1500, dir.file("sample.jsonl"));

  // The golden clusters exactly as mop eval makes them: glove-sif fitted on the golden texts, the
  // default cluster count (10 for 800 rows) and seed.
  mop::eval::EvalSet golden = mop::eval::load_eval_set(dir.file("golden.jsonl"));
  mop::eval::EvalSet sample = mop::eval::load_eval_set(dir.file("sample.jsonl"));
  auto encoder = mop::embed::open_encoder("glove-sif");
  encoder->fit_corpus(golden.texts);
  golden.embeddings = encoder->encode(golden.texts);
  sample.embeddings = encoder->encode(sample.texts);
  const mop::eval::SubgroupOptions defaults;
  const auto groupings = mop::eval::detail::golden_groupings(golden, {}, [&] {
    auto o = defaults;
    o.labels = false;
    return o;
  }());
  ASSERT_FALSE(groupings.empty());
  const auto& clusters = groupings[0];
  ASSERT_EQ(clusters.names.size(), 10u);
  // Take out the sample rows nearest cluster 2 (a large part of the population, so its absence matters).
  const auto placed = mop::eval::detail::nearest_groups(clusters, sample.embeddings);
  const auto records = mop::test::shared_records("sst2/train.jsonl", 0, 1500);
  std::ofstream kept(dir.file("dropped.jsonl"));
  std::size_t dropped = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (clusters.names[static_cast<std::size_t>(placed[i])] == "cluster 2") ++dropped;
    else kept << records[i].dump() << "\n";
  }
  kept.close();
  ASSERT_GT(dropped, 50u);

  std::string err;
  ASSERT_EQ(run_command(cli_path() + " eval --golden " + dir.file("golden.jsonl") + " --synthetic " +
                            dir.file("dropped.jsonl") + " --synthetic " + dir.file("sample.jsonl") + " --out " +
                            dir.file("out"),
                        nullptr, &err),
            0)
      << err;
  const json m = json::parse(read_file(dir.file("out/metrics.json")));
  const json without = table_of(m, "dropped.jsonl", "cluster"), with = table_of(m, "sample.jsonl", "cluster");
  EXPECT_EQ(most_missing(without), "cluster 2");
  const json& gone = group_of(without, "cluster 2");
  EXPECT_EQ(gone.at("synthetic_rows"), 0);
  EXPECT_EQ(gone.at("share_ratio"), 0.0);
  EXPECT_LT(gone.at("coverage").get<double>(), 0.15) << gone.dump();
  EXPECT_EQ(gone.at("golden_examples").size(), 3u);
  // The whole sample holds the cluster, and covers it far better.
  const json& there = group_of(with, "cluster 2");
  EXPECT_GT(there.at("share_ratio").get<double>(), 0.5) << there.dump();
  EXPECT_GT(there.at("coverage").get<double>(), gone.at("coverage").get<double>() + 0.3) << there.dump();

  // The one-figure summaries, the checks and the minority view in every output.
  for (const auto& r : m.at("rows")) {
    if (r.at("set") != "dropped.jsonl" || !r.at("group").is_null()) continue;
    EXPECT_EQ(r.at("subgroup_min_ratio"), 0.0);
    EXPECT_LT(r.at("subgroup_min_coverage").get<double>(), 0.15);
    EXPECT_TRUE(r.at("label_chi2_p").is_number());
    EXPECT_GE(r.at("length_ks").get<double>(), 0);
  }
  const std::string md = read_file(dir.file("out/metrics.md"));
  EXPECT_NE(md.find("### dropped.jsonl, by k-means of the golden embeddings, k = 10, seed 1234\n\n- **cluster 2**: "),
            std::string::npos)
      << md;
  const std::string html = read_file(dir.file("out/report.html"));
  EXPECT_NE(html.find("<h2>Who is missing</h2><h3>dropped.jsonl, by k-means"), std::string::npos);
  EXPECT_NE(html.find("<h2>Checks</h2>"), std::string::npos);
}

TEST(EvalSubgroupsCli, GroupByPlacesRowsByTheirOwnValuesOrTheNearestCentroid) {
  TempDir dir;
  write_slice("yelp/test.jsonl", 0, 300, dir.file("golden.jsonl"));
  write_slice("yelp/train.jsonl", 0, 300, dir.file("yelp.jsonl"));
  write_slice("sst2/test.jsonl", 0, 300, dir.file("movies.jsonl"));
  std::string err;
  ASSERT_EQ(run_command(cli_path() + " eval --golden " + dir.file("golden.jsonl") + " --synthetic " +
                            dir.file("yelp.jsonl") + " --synthetic " + dir.file("movies.jsonl") +
                            " --group-by stars --subgroups 3 --out " + dir.file("out"),
                        nullptr, &err),
            0)
      << err;
  const json m = json::parse(read_file(dir.file("out/metrics.json")));
  const json stars = table_of(m, "yelp.jsonl", "field");
  EXPECT_EQ(stars.at("by"), "stars");
  EXPECT_EQ(stars.at("placement"), "its own stars values");
  std::vector<std::string> names;
  for (const auto& g : stars.at("groups")) names.push_back(g.at("group"));
  EXPECT_EQ(names, (std::vector<std::string>{"1.0", "2.0", "3.0", "4.0", "5.0"}));
  EXPECT_EQ(table_of(m, "movies.jsonl", "field").at("placement"), "nearest centroid");
  EXPECT_EQ(table_of(m, "yelp.jsonl", "cluster").at("groups").size(), 3u);
  EXPECT_EQ(m.at("settings").at("subgroups").at("group_by"), "stars");

  // A golden record without the field is the user's to fix: file and line named.
  write_slice("sst2/test.jsonl", 0, 50, dir.file("plain.jsonl"));
  ASSERT_NE(run_command(cli_path() + " eval --golden " + dir.file("plain.jsonl") + " --synthetic " +
                            dir.file("yelp.jsonl") + " --group-by stars --out " + dir.file("out2"),
                        nullptr, &err),
            0);
  EXPECT_NE(err.find("plain.jsonl:1: no field \"stars\""), std::string::npos) << err;
}
