// mop baseline through the CLI with the small real model and real SST-2 data: each baseline writes
// exactly n records with labels and provenance, the same file for a seed whatever the chunking,
// resumes after a kill, and bad options are clear errors.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "mop/baselines.h"
#include "support/kill_at.h"
#include "support/paths.h"
#include "support/shared_data.h"

using namespace mop::test;
namespace fs = std::filesystem;

namespace {

class CliBaseline : public ::testing::Test {
 protected:
  void SetUp() override {
    // 30 real SST-2 sentences as PICLe's candidates, and two labelled personas.
    write_slice("sst2/train.jsonl", 0, 30, dir_.file("sst2.jsonl"));
    write_file(dir_.file("personas.jsonl"),
               "{\"text\": \"You are a grumpy critic who hates sequels.\", \"label\": \"negative\"}\n"
               "{\"text\": \"You are a cheerful fan of family films.\", \"label\": \"positive\"}\n");
  }
  // The test's defaults for --seed and --domain, unless `extra` sets them (CLI11 refuses repeats).
  std::string baseline(const std::string& name, const std::string& out, int n, const std::string& extra = "") const {
    std::string cmd = cli_path() + " baseline " + name + " -m " + stories_model() + " --threads 1 --max-tokens 16 -n " +
                      std::to_string(n) + " -o " + out + extra;
    if (extra.find("--seed") == std::string::npos) cmd += " --seed 5";
    if (extra.find("--domain") == std::string::npos) cmd += " --domain movie";
    return cmd;
  }
  // Two sentiment classes, 12 samples in 3 rounds of 4, 2 shots drawn from each label's 3 most helpful.
  static std::string progen_flags(const std::string& extra = "") {
    return " --class 'positive=You had a positive impression.' --class 'negative=You had a negative impression.'"
           " --rounds 3 --shots 2 --helpful 3" + extra;
  }
  std::string picle_flags(int shots = 2) const {
    return " --data " + dir_.file("sst2.jsonl") + " --personas " + dir_.file("personas.jsonl") + " --pool 12 --shots " +
           std::to_string(shots);
  }
  TempDir dir_;
};

void expect_common(const std::vector<nlohmann::json>& rows, size_t n, const std::string& method) {
  ASSERT_EQ(rows.size(), n);
  for (size_t i = 0; i < n; ++i) {
    EXPECT_EQ(rows[i]["index"].get<size_t>(), i);
    EXPECT_TRUE(rows[i]["text"].is_string());
    const auto& p = rows[i]["provenance"];
    EXPECT_EQ(p["method"], method);
    EXPECT_NE(p["model"].get<std::string>().find("stories260K"), std::string::npos);
    EXPECT_TRUE(p["seed"].is_number_unsigned());
    EXPECT_EQ(p["temperature"].get<double>(), 1.0);
  }
}

}  // namespace

TEST_F(CliBaseline, ZerogenIsLabelledDeterministicAndCyclesContexts) {
  const std::string a = dir_.file("a.jsonl"), b = dir_.file("b.jsonl"), c = dir_.file("c.jsonl");
  write_file(dir_.file("contexts.txt"), "Alien\nJaws\n");
  const std::string flags = " --condition 'You had a positive impression.' --label positive --contexts " + dir_.file("contexts.txt");
  std::string err;
  ASSERT_EQ(run_command(baseline("zerogen", a, 7, flags), nullptr, &err), 0) << err;
  ASSERT_EQ(run_command(baseline("zerogen", b, 7, flags + " --chunk 3"), nullptr, &err), 0) << err;
  EXPECT_EQ(read_file(a), read_file(b)) << "the same file whatever the chunking";
  const auto rows = jsonl(a);
  expect_common(rows, 7, "zerogen");
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i]["label"], "positive");
    EXPECT_EQ(rows[i]["context"], i % 2 == 0 ? "Alien" : "Jaws");
  }
  ASSERT_EQ(run_command(baseline("zerogen", c, 7, flags + " --seed 6"), nullptr, &err), 0) << err;
  EXPECT_NE(read_file(a), read_file(c)) << "another seed, another sample";
  // Without --label the condition is the label; without either there is none.
  ASSERT_EQ(run_command(baseline("zerogen", c, 2, " --condition 'You were bored.'"), nullptr, &err), 0) << err;
  EXPECT_EQ(jsonl(c)[1]["label"], "You were bored.");
  ASSERT_EQ(run_command(baseline("zerogen", c, 2), nullptr, &err), 0) << err;
  EXPECT_FALSE(jsonl(c)[0].contains("label"));
}

TEST_F(CliBaseline, AttrpromptDrawsFromTheDomainSet) {
  const std::string a = dir_.file("a.jsonl"), b = dir_.file("b.jsonl");
  std::string err;
  ASSERT_EQ(run_command(baseline("attrprompt", a, 12, " --label neg"), nullptr, &err), 0) << err;
  ASSERT_EQ(run_command(baseline("attrprompt", b, 12, " --label neg --chunk 5"), nullptr, &err), 0) << err;
  EXPECT_EQ(read_file(a), read_file(b));
  const auto rows = jsonl(a);
  expect_common(rows, 12, "attrprompt");
  const auto& set = mop::baselines::domain_attributes("movie");
  std::set<std::string> genres;
  for (const auto& r : rows) {
    EXPECT_EQ(r["label"], "neg");
    const auto& drawn = r["provenance"]["attributes"];
    ASSERT_EQ(drawn.size(), set.size());
    for (const auto& attr : set) {
      const std::string v = drawn.at(attr.name).get<std::string>();
      EXPECT_NE(std::find(attr.values.begin(), attr.values.end(), v), attr.values.end()) << attr.name << ": " << v;
    }
    genres.insert(drawn["genre"].get<std::string>());
  }
  EXPECT_GT(genres.size(), 2u) << "values vary across samples";
}

TEST_F(CliBaseline, AttrpromptTakesTheUsersAttributes) {
  write_file(dir_.file("attrs.json"), R"({"tone": ["dry", "warm"], "era": ["silent films", "the 1980s", "today"]})");
  const std::string out = dir_.file("a.jsonl");
  std::string err;
  ASSERT_EQ(run_command(baseline("attrprompt", out, 6, " --attributes " + dir_.file("attrs.json")), nullptr, &err), 0) << err;
  for (const auto& r : jsonl(out)) {
    const auto& drawn = r["provenance"]["attributes"];
    ASSERT_EQ(drawn.size(), 2u) << drawn.dump();
    EXPECT_TRUE(drawn["tone"] == "dry" || drawn["tone"] == "warm") << drawn.dump();
    EXPECT_TRUE(drawn["era"] == "silent films" || drawn["era"] == "the 1980s" || drawn["era"] == "today") << drawn.dump();
  }
}

TEST_F(CliBaseline, PicleUsesEachPersonasChosenExemplars) {
  const std::string a = dir_.file("a.jsonl"), b = dir_.file("b.jsonl");
  std::string err;
  ASSERT_EQ(run_command(baseline("picle", a, 10, picle_flags()), nullptr, &err), 0) << err;
  ASSERT_EQ(run_command(baseline("picle", b, 10, picle_flags() + " --chunk 4"), nullptr, &err), 0) << err;
  EXPECT_EQ(read_file(a), read_file(b));
  const auto rows = jsonl(a);
  expect_common(rows, 10, "picle");
  std::map<int, nlohmann::json> exemplars_of;
  for (const auto& r : rows) {
    const auto& p = r["provenance"];
    const int k = p["persona_id"].get<int>();
    ASSERT_TRUE(k == 0 || k == 1);
    EXPECT_EQ(r["label"], k == 0 ? "negative" : "positive") << "the persona's label";
    ASSERT_EQ(p["exemplar_ids"].size(), 2u);
    ASSERT_EQ(p["ratios"].size(), 2u);
    EXPECT_GE(p["ratios"][0].get<double>(), p["ratios"][1].get<double>()) << "best first";
    // A persona always shows the same exemplars: they were chosen once, per persona.
    if (exemplars_of.count(k)) {
      EXPECT_EQ(exemplars_of[k], p["exemplar_ids"]);
    }
    exemplars_of[k] = p["exemplar_ids"];
  }
  EXPECT_EQ(exemplars_of.size(), 2u) << "10 uniform draws reach both personas";
  // --label overrides the personas' labels.
  ASSERT_EQ(run_command(baseline("picle", b, 3, picle_flags() + " --label x"), nullptr, &err), 0) << err;
  for (const auto& r : jsonl(b)) EXPECT_EQ(r["label"], "x");
}

TEST_F(CliBaseline, KilledRunResumesWithoutLossOrDuplicates) {
  const std::string whole = dir_.file("whole.jsonl"), cut = dir_.file("cut.jsonl");
  std::string err;
  ASSERT_EQ(run_command(baseline("attrprompt", whole, 60, " --chunk 1"), nullptr, &err), 0) << err;
  const auto k = run_and_kill_when(baseline("attrprompt", cut, 60, " --chunk 1"), has_lines(cut + ".partial", 6));
  ASSERT_TRUE(k.killed) << "the run ended (status " << k.exit_status << ") before the kill";
  ASSERT_FALSE(fs::exists(cut));
  ASSERT_EQ(run_command(baseline("attrprompt", cut, 60, " --chunk 1"), nullptr, &err), 0) << err;
  EXPECT_NE(err.find("resuming"), std::string::npos) << err;
  EXPECT_EQ(read_file(cut), read_file(whole));
  EXPECT_FALSE(fs::exists(cut + ".partial"));
  // A leftover partial from another job is refused, not mixed in.
  write_file(cut + ".partial", "{\"index\":0,\"text\":\"x\"}\n");
  write_file(cut + ".partial.json", "{}\n");
  EXPECT_EQ(run_command(baseline("attrprompt", cut, 3), nullptr, &err), 1);
  EXPECT_NE(err.find("left from a run with other settings"), std::string::npos) << err;
}

TEST_F(CliBaseline, ProgenFeedsTheMostHelpfulSamplesOfEachLabelBack) {
  const std::string whole = dir_.file("whole.jsonl"), cut = dir_.file("cut.jsonl");
  std::string err;
  ASSERT_EQ(run_command(baseline("progen", whole, 12, progen_flags()), nullptr, &err), 0) << err;
  EXPECT_NE(err.find("mop: progen: feedback from 4 samples"), std::string::npos) << err;
  EXPECT_NE(err.find("mop: progen: feedback from 8 samples"), std::string::npos) << err;
  const auto rows = jsonl(whole);
  expect_common(rows, 12, "progen");
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& p = rows[i]["provenance"];
    const size_t round = i / 4;
    EXPECT_EQ(rows[i]["label"], i % 2 == 0 ? "positive" : "negative") << "class i mod 2";
    EXPECT_EQ(p["condition"], i % 2 == 0 ? "You had a positive impression." : "You had a negative impression.");
    EXPECT_EQ(p["round"].get<size_t>(), round);
    const auto& ids = p["example_ids"];
    const auto& helpfulness = p["example_helpfulness"];
    ASSERT_EQ(ids.size(), round == 0 ? 0u : 2u) << "round 0 is zero-shot, then --shots examples";
    ASSERT_EQ(helpfulness.size(), ids.size());
    for (size_t k = 0; k < ids.size(); ++k) {
      const size_t id = ids[k].get<size_t>();
      EXPECT_LT(id, round * 4) << "examples come from earlier rounds";
      EXPECT_EQ(rows[id]["label"], rows[i]["label"]) << "examples of the sample's own label";
      if (k > 0) EXPECT_GE(helpfulness[k - 1].get<double>(), helpfulness[k].get<double>()) << "best first";
    }
  }
  // Killed inside round 2 (after the first feedback) and rerun: the same file, chunked otherwise.
  const auto k = run_and_kill_when(baseline("progen", cut, 12, progen_flags(" --chunk 1")), has_lines(cut + ".partial", 5));
  ASSERT_TRUE(k.killed) << "the run ended (status " << k.exit_status << ") before the kill";
  ASSERT_FALSE(fs::exists(cut));
  ASSERT_EQ(run_command(baseline("progen", cut, 12, progen_flags(" --chunk 1")), nullptr, &err), 0) << err;
  EXPECT_NE(err.find("resuming"), std::string::npos) << err;
  EXPECT_EQ(read_file(cut), read_file(whole));
}

TEST_F(CliBaseline, BadOptionsAreClearErrors) {
  const std::string out = dir_.file("bad.jsonl");
  std::string err;
  EXPECT_EQ(run_command(baseline("progen2", out, 3), nullptr, &err), 1);
  EXPECT_NE(err.find("unknown baseline 'progen2': choose one of zerogen, attrprompt, picle, progen"), std::string::npos) << err;
  write_file(dir_.file("attrs.json"), R"({"tone": ["dry"], "length": "long"})");
  EXPECT_EQ(run_command(baseline("attrprompt", out, 3, " --attributes " + dir_.file("attrs.json")), nullptr, &err), 1);
  EXPECT_NE(err.find(dir_.file("attrs.json") + ": attribute \"length\""), std::string::npos) << err;
  EXPECT_EQ(run_command(baseline("zerogen", out, 3, " --shots 2"), nullptr, &err), 1);
  EXPECT_NE(err.find("--shots applies to picle and progen only"), std::string::npos) << err;
  EXPECT_EQ(run_command(baseline("zerogen", out, 3, " --attributes x.json"), nullptr, &err), 1);
  EXPECT_NE(err.find("--attributes applies to attrprompt only"), std::string::npos) << err;
  EXPECT_EQ(run_command(baseline("picle", out, 3, " --data " + dir_.file("sst2.jsonl")), nullptr, &err), 1);
  EXPECT_NE(err.find("picle needs --personas"), std::string::npos) << err;
  EXPECT_EQ(run_command(baseline("picle", out, 3, picle_flags(20)), nullptr, &err), 1);
  EXPECT_NE(err.find("--shots 20 is larger than the candidate pool (12 records)"), std::string::npos) << err;
  EXPECT_EQ(run_command(baseline("zerogen", out, 3, " --domain poetry"), nullptr, &err), 1);
  EXPECT_NE(err.find("unknown domain 'poetry'"), std::string::npos) << err;
  EXPECT_EQ(run_command(baseline("zerogen", out, 3, " --rounds 2"), nullptr, &err), 1);
  EXPECT_NE(err.find("--rounds applies to progen only"), std::string::npos) << err;
  EXPECT_EQ(run_command(baseline("progen", out, 12, " --class positive=Nice."), nullptr, &err), 1);
  EXPECT_NE(err.find("progen needs two or more --class"), std::string::npos) << err;
  EXPECT_EQ(run_command(baseline("progen", out, 12, " --class positive --class negative=Bad."), nullptr, &err), 1);
  EXPECT_NE(err.find("--class 'positive': expected LABEL=CONDITION"), std::string::npos) << err;
  EXPECT_EQ(run_command(baseline("progen", out, 12, progen_flags(" --label x")), nullptr, &err), 1);
  EXPECT_NE(err.find("--label and --condition do not apply"), std::string::npos) << err;
  EXPECT_EQ(run_command(baseline("progen", out, 9, progen_flags()), nullptr, &err), 1);
  EXPECT_NE(err.find("-n 9 in 3 rounds gives a first round of 3 samples; it needs at least classes x --shots = 4"),
            std::string::npos) << err;
  EXPECT_FALSE(fs::exists(out));
}
