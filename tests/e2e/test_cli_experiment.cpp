// `mop experiment` end to end with the shipped CI config (real SST-2, the shared story model):
// every table has every row, a rerun does no work, and changed settings are refused, not mixed.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "support/paths.h"

using namespace mop::test;
namespace fs = std::filesystem;

namespace {

std::string ci_config() { return std::string(MOP_SOURCE_DIR) + "/configs/ci-sst2.yaml"; }

}  // namespace

TEST(CliExperiment, CiConfigFillsEveryTableAndResumes) {
  TempDir dir;
  const std::string out = dir.file("exp");
  std::string err;
  ASSERT_EQ(run_command(cli_path() + " experiment " + ci_config() + " --out " + out, nullptr, &err), 0) << err;
  const auto tables = nlohmann::json::parse(read_file(out + "/tables.json"));
  auto names = [&](const char* table) {
    std::vector<std::string> v;
    for (const auto& r : tables.at(table).at("rows")) {
      v.push_back(r["name"].get<std::string>());
      for (const char* key : {"fid", "mauve", "kl_cosine"})
        if (r.contains(key)) EXPECT_TRUE(r[key].is_object() && r[key]["mean"].is_number()) << table << " " << r.dump();
    }
    return v;
  };
  EXPECT_EQ(names("table1"), (std::vector<std::string>{"mop", "zerogen", "attrprompt", "picle"}));
  EXPECT_EQ(names("table2"), (std::vector<std::string>{"mop", "zerogen", "attrprompt", "picle", "real training data (ceiling)"}));
  for (const auto& r : tables["table2"]["rows"]) EXPECT_TRUE(r["macro_f1"]["mean"].is_number()) << r.dump();
  EXPECT_EQ(names("table3"), (std::vector<std::string>{"fit stories → simulate stories-chatml"}));
  EXPECT_EQ(names("table4"), (std::vector<std::string>{"mop (full)", "mop-no-exemplars", "mop-generic-personas",
                                                       "mop-random-personas"}));
  EXPECT_EQ(names("table5"), (std::vector<std::string>{"L = 1 (mop)", "L = 2", "L = 4", "L = 8"}));
  const std::string md = read_file(out + "/tables.md");
  for (const char* title : {"## Table 1", "## Table 2", "## Table 3", "## Table 4", "## Table 5"})
    EXPECT_NE(md.find(title), std::string::npos) << title;
  EXPECT_TRUE(fs::exists(out + "/eval/report.html"));

  // Every set: the requested number of records, labelled with the condition's label, with provenance.
  for (const auto& entry : fs::directory_iterator(out + "/samples")) {
    const std::string p = entry.path().string();
    if (p.size() < 6 || p.substr(p.size() - 6) != ".jsonl") continue;
    const auto rows = jsonl(p);
    EXPECT_EQ(rows.size(), 40u) << p;
    size_t positive = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      EXPECT_EQ(rows[i]["index"], i) << p;
      EXPECT_TRUE(rows[i]["label"] == "positive" || rows[i]["label"] == "negative") << p;
      EXPECT_TRUE(rows[i]["provenance"].is_object()) << p;
      positive += rows[i]["label"] == "positive";
    }
    EXPECT_GT(positive, 10u) << p;  // shares follow the training data (about 56% positive)
    EXPECT_LT(positive, 30u) << p;
  }

  // A rerun finds every step done and rewrites the same tables.
  const auto t0 = fs::last_write_time(out + "/eval/metrics.json");
  ASSERT_EQ(run_command(cli_path() + " experiment " + ci_config() + " --out " + out, nullptr, &err), 0) << err;
  EXPECT_EQ(fs::last_write_time(out + "/eval/metrics.json"), t0);
  EXPECT_EQ(nlohmann::json::parse(read_file(out + "/tables.json")), tables);
  EXPECT_EQ(err.find(": running"), std::string::npos) << err;

  // Other settings in the same folder are refused, naming the step's output.
  std::string yaml = read_file(ci_config());
  yaml.replace(yaml.find("samples: 40"), 11, "samples: 30");
  const std::string changed = dir.file("changed.yaml");
  // Relative paths resolve against the config's folder: make the copy's shared paths absolute.
  const std::string rel = "../../shared/";
  for (size_t at = yaml.find(rel); at != std::string::npos; at = yaml.find(rel, at + 1))
    yaml.replace(at, rel.size(), shared_path(""));
  write_file(changed, yaml);
  EXPECT_EQ(run_command(cli_path() + " experiment " + changed + " --out " + out, nullptr, &err), 1);
  EXPECT_NE(err.find("was made with other settings"), std::string::npos) << err;
}
