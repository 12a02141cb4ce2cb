// `mop experiment` end to end with the shipped CI config (real SST-2, the shared story model):
// every table has every row, a rerun does no work, and changed settings are refused, not mixed.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "support/paths.h"

using namespace mop::test;
namespace fs = std::filesystem;

namespace {

std::string ci_config() { return std::string(MOP_SOURCE_DIR) + "/experiments/ci-sst2.yaml"; }

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
  EXPECT_EQ(names("table1"), (std::vector<std::string>{"mop", "zerogen", "attrprompt", "picle", "progen"}));
  EXPECT_EQ(names("table2"),
            (std::vector<std::string>{"mop", "zerogen", "attrprompt", "picle", "progen", "real training data (ceiling)"}));
  for (const auto& r : tables["table2"]["rows"]) EXPECT_TRUE(r["macro_f1"]["mean"].is_number()) << r.dump();
  EXPECT_EQ(names("table3"), (std::vector<std::string>{"fit stories → simulate stories-chatml"}));
  EXPECT_EQ(names("table4"), (std::vector<std::string>{"mop (full)", "mop-no-exemplars", "mop-generic-personas",
                                                       "mop-random-personas"}));
  EXPECT_EQ(names("table5"), (std::vector<std::string>{"L = 1 (mop)", "L = 2", "L = 4", "L = 8"}));
  // Who is missing, in one figure each, beside the paper's distances.
  for (const auto& r : tables["table1"]["rows"])
    EXPECT_TRUE(r["subgroup_min_coverage"]["mean"].is_number()) << r.dump();
  // Fit health: every fitted gate's last epoch.
  std::vector<std::string> gates;
  for (const auto& r : tables.at("fit_health").at("rows")) {
    gates.push_back(r["name"].get<std::string>());
    EXPECT_GE(r["effective_personas"].get<double>(), 1.0) << r.dump();
    EXPECT_LE(r["tau_min"].get<double>(), r["tau_max"].get<double>()) << r.dump();
    EXPECT_TRUE(r["collapsed"].is_boolean()) << r.dump();
  }
  EXPECT_NE(std::find(gates.begin(), gates.end(), "stories"), gates.end()) << tables["fit_health"].dump();
  const std::string md = read_file(out + "/tables.md");
  for (const char* title : {"## Table 1", "## Table 2", "## Table 3", "## Table 4", "## Table 5", "## Fit health"})
    EXPECT_NE(md.find(title), std::string::npos) << title;
  EXPECT_TRUE(fs::exists(out + "/eval/report.html"));
  // The evaluation names the gates behind the sets, with their health.
  const auto metrics = nlohmann::json::parse(read_file(out + "/eval/metrics.json"));
  bool mop_health = false;
  for (const auto& r : metrics.at("fit_health"))
    if (r["set"] == "mop") mop_health = r["effective_personas"].is_number() && r["personas"] == 4;
  EXPECT_TRUE(mop_health) << metrics["fit_health"].dump();
  EXPECT_NE(read_file(out + "/eval/report.html").find("<h3>Fit health</h3>"), std::string::npos);

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
    if (p.find("progen") != std::string::npos) {
      EXPECT_EQ(positive, 20u) << p;  // ProGen balances its classes
    } else {
      EXPECT_GT(positive, 10u) << p;  // shares follow the training data (about 56% positive)
      EXPECT_LT(positive, 30u) << p;
    }
  }

  // A rerun finds every step done and rewrites the same tables.
  const auto t0 = fs::last_write_time(out + "/eval/metrics.json");
  ASSERT_EQ(run_command(cli_path() + " experiment " + ci_config() + " --out " + out, nullptr, &err), 0) << err;
  EXPECT_EQ(fs::last_write_time(out + "/eval/metrics.json"), t0);
  EXPECT_EQ(nlohmann::json::parse(read_file(out + "/tables.json")), tables);
  EXPECT_EQ(err.find(": running"), std::string::npos) << err;

  // An evaluation cut short (no metrics.json yet, as a kill leaves it) continues from the result
  // it kept for each set: nothing is computed again, and the tables are the same.
  fs::remove(out + "/eval/metrics.json");
  ASSERT_EQ(run_command(cli_path() + " experiment " + ci_config() + " --out " + out, nullptr, &err), 0) << err;
  const auto stored = std::distance(fs::directory_iterator(out + "/eval/sets"), fs::directory_iterator{});
  EXPECT_EQ(stored, 13) << "12 sets and the ceiling";
  size_t reused = 0;
  for (auto at = err.find("reusing the stored result"); at != std::string::npos; at = err.find("reusing the stored result", at + 1))
    ++reused;
  EXPECT_EQ(reused, static_cast<size_t>(stored)) << err;
  EXPECT_EQ(err.find("FID, MAUVE, KL-cosine on"), std::string::npos) << err;
  EXPECT_EQ(nlohmann::json::parse(read_file(out + "/tables.json")), tables);

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

// Topic data (AG News): MoP's samples carry their persona's label (multiple-choice labelling),
// PICLe's too, and ZeroGen's the label whose condition made them.
TEST(CliExperiment, TopicLabelsComeFromPersonas) {
  TempDir dir;
  const std::string config = dir.file("agnews.yaml");
  write_file(config, "name: agnews-small\n"
                     "data:\n  train: " + shared_path("data/agnews/train.jsonl") + "\n  golden: " +
                         shared_path("data/agnews/test.jsonl") + "\n  max_train: 120\n  max_golden: 48\n"
                     "domain: news\n"
                     "labels:\n  mode: persona\n  names: [world, sports, business, sci/tech]\n"
                     "  condition_template: \"The article is about {label}.\"\n"
                     "models:\n  - name: stories\n    model: " + stories_model() + "\n    chat_template: plain\n    threads: 1\n"
                     "samples: 24\ngeneration:\n  max_tokens: 16\n"
                     "personas:\n  k: 4\n  per_cluster: 3\n  max_tokens: 24\n"
                     "fit:\n  exemplars: 12\n  epochs: 1\n  max_val: 8\n  batch: 32\n"
                     "methods: [mop, zerogen, picle]\nbaselines:\n  picle_pool: 12\n  picle_shots: 1\n");
  const std::string out = dir.file("exp");
  std::string err;
  ASSERT_EQ(run_command(cli_path() + " experiment " + config + " --out " + out, nullptr, &err), 0) << err;
  std::map<int, std::string> label_of;
  for (const auto& p : jsonl(out + "/fits/stories/personas.jsonl")) label_of[p["id"].get<int>()] = p.value("label", "");
  ASSERT_EQ(label_of.size(), 4u);
  const std::set<std::string> names = {"world", "sports", "business", "sci/tech"};
  for (const auto& [id, label] : label_of) EXPECT_TRUE(names.count(label)) << id << ": " << label;
  for (const char* set : {"mop", "picle"}) {
    const auto rows = jsonl(out + "/samples/" + set + ".seed0.jsonl");
    ASSERT_EQ(rows.size(), 24u) << set;
    for (const auto& r : rows) EXPECT_EQ(r["label"], label_of.at(r["provenance"]["persona_id"].get<int>())) << set << r.dump();
  }
  std::map<std::string, int> zerogen;
  for (const auto& r : jsonl(out + "/samples/zerogen.seed0.jsonl")) ++zerogen[r["label"].get<std::string>()];
  EXPECT_EQ(zerogen, (std::map<std::string, int>{{"business", 6}, {"sci/tech", 6}, {"sports", 6}, {"world", 6}}));
  const auto tables = nlohmann::json::parse(read_file(out + "/tables.json"));
  EXPECT_EQ(tables["table2"]["rows"].size(), 4u);  // three methods and the ceiling
}
