// mop eval on small real slices of ../shared/data: a held-out slice of the golden corpus must score
// closer than another corpus wearing its labels, on every distance; outputs and errors as documented.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "support/paths.h"
#include "support/shared_data.h"

using mop::test::cli_path;
using mop::test::read_file;
using mop::test::run_command;
using mop::test::TempDir;
using mop::test::write_slice;
using nlohmann::json;

namespace {

// The row of `set` with role `role` (and group `group`, or the overall row).
json find_row(const json& metrics, const std::string& set, const std::string& role, const std::string& group = "") {
  for (const auto& r : metrics.at("rows"))
    if (r.at("set") == set && r.at("role") == role && (group.empty() ? r.at("group").is_null() : r.at("group") == group))
      return r;
  ADD_FAILURE() << "no row for set " << set << ", role " << role << ", group '" << group << "'";
  return json::object();
}

// SST-2 test rows as golden and A, AG News rows relabelled with SST-2's labels as B (with persona provenance).
void write_sets(const TempDir& dir, std::size_t n) {
  write_slice("sst2/test.jsonl", 0, n, dir.file("golden.jsonl"));
  write_slice("sst2/test.jsonl", n, n, dir.file("a.jsonl"), [](json& j, std::size_t i) { j["persona_id"] = i % 5; });
  write_slice("agnews/test.jsonl", 0, n, dir.file("b.jsonl"), [](json& j, std::size_t i) {
    j["label"] = i % 2 ? "positive" : "negative";
    std::string persona = "p";
    persona += std::to_string(i % 7);
    j["provenance"] = {{"persona_id", persona}, {"model", "test"}};
  });
}

std::string eval_cmd(const TempDir& dir, const std::string& out) {
  return cli_path() + " eval --golden " + dir.file("golden.jsonl") + " --synthetic " + dir.file("a.jsonl") +
         " --synthetic " + dir.file("b.jsonl") + " --out " + dir.file(out);
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST(EvalCli, HeldOutSliceBeatsOtherCorpusAndEveryOutputIsWritten) {
  TempDir dir;
  write_sets(dir, 200);
  write_slice("sst2/train.jsonl", 0, 2000, dir.file("train.jsonl"));
  std::string out, err;
  ASSERT_EQ(run_command(eval_cmd(dir, "out") + " --train " + dir.file("train.jsonl") + " --seed 3", &out, &err), 0) << err;
  for (const char* f : {"metrics.json", "metrics.md", "report.html", "encoder_state.json"})
    EXPECT_TRUE(std::filesystem::exists(dir.file(std::string("out/") + f))) << f;

  const json m = json::parse(read_file(dir.file("out/metrics.json")));
  const json a = find_row(m, "a.jsonl", "synthetic"), b = find_row(m, "b.jsonl", "synthetic");
  EXPECT_LT(a.at("fid").get<double>(), b.at("fid").get<double>());
  EXPECT_GT(a.at("mauve").get<double>(), b.at("mauve").get<double>());
  EXPECT_LT(a.at("frontier_integral").get<double>(), b.at("frontier_integral").get<double>());
  EXPECT_LT(a.at("kl_cosine").get<double>(), b.at("kl_cosine").get<double>());
  EXPECT_GT(a.at("recall").get<double>(), b.at("recall").get<double>());
  EXPECT_GT(a.at("coverage").get<double>(), b.at("coverage").get<double>());
  // Density is about 1 for a sample of the same corpus; B crowds into dense golden regions (above 1).
  EXPECT_NEAR(a.at("density").get<double>(), 1.0, 0.2);
  EXPECT_GT(a.at("precision").get<double>(), 0.5);
  EXPECT_EQ(m.at("settings").at("prdc").at("nearest_k"), 5);
  EXPECT_GT(a.at("mauve").get<double>(), 0.8);
  EXPECT_LT(b.at("mauve").get<double>(), 0.3);
  EXPECT_EQ(a.at("mauve_clusters"), 20);
  // B's labels say nothing about its texts, A's do.
  EXPECT_GT(a.at("macro_f1").get<double>(), b.at("macro_f1").get<double>());
  const json ceiling = find_row(m, "train.jsonl", "ceiling");
  EXPECT_GT(ceiling.at("macro_f1").get<double>(), 0.6);
  EXPECT_EQ(ceiling.at("synthetic_rows"), 200);  // distances on a sample as large as the largest set
  EXPECT_EQ(ceiling.at("classifier_rows"), 2000);

  for (const char* set : {"a.jsonl", "b.jsonl"})
    for (const char* label : {"negative", "positive"}) {
      const json g = find_row(m, set, "group", label);
      EXPECT_TRUE(g.at("fid").is_number()) << set << " " << label;
      EXPECT_TRUE(g.at("mauve").is_number()) << set << " " << label;
      EXPECT_TRUE(g.at("kl_cosine").is_number()) << set << " " << label;
      EXPECT_TRUE(g.at("class_f1").is_number()) << set << " " << label;
      EXPECT_TRUE(g.at("coverage").is_number()) << set << " " << label;
    }
  EXPECT_LT(find_row(m, "a.jsonl", "group", "positive").at("fid").get<double>(),
            find_row(m, "b.jsonl", "group", "positive").at("fid").get<double>());

  EXPECT_NE(m.at("settings").at("kl_cosine").at("direction").get<std::string>().find("KL(S || G)"), std::string::npos);
  EXPECT_EQ(m.at("settings").at("encoder").at("id").get<std::string>().rfind("glove-sif", 0), 0u);
  EXPECT_EQ(m.at("settings").at("encoder").at("state"), "encoder_state.json");
  EXPECT_EQ(m.at("settings").at("mauve").at("seed"), 3);
  const json usage = m.at("persona_usage").at("b.jsonl");
  EXPECT_EQ(usage.size(), 7u);
  EXPECT_EQ(usage.at("p0"), 29);  // i % 7 == 0 for 29 of i = 0..199
  EXPECT_EQ(m.at("persona_usage").at("a.jsonl").size(), 5u);

  const std::string html = read_file(dir.file("out/report.html"));
  EXPECT_EQ(count(html, "<svg"), 6u);  // 2 scatters, 2 histograms, 2 persona charts
  EXPECT_NE(html.find("persona usage: b.jsonl"), std::string::npos);
  EXPECT_NE(html.find("golden vs a.jsonl (PCA, 2-SD ellipses per label)"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  for (const char* header : {"precision ↑", "recall ↑", "density ↑", "coverage ↑"})
    EXPECT_NE(html.find(header), std::string::npos) << header;
  EXPECT_EQ(html.find("fetched here"), std::string::npos);
  EXPECT_EQ(count(html, "http"), count(html, "http://www.w3.org/2000/svg"));  // nothing fetched
  const std::string md = read_file(dir.file("out/metrics.md"));
  EXPECT_NE(md.find("| a.jsonl | 200 |"), std::string::npos);
  EXPECT_NE(md.find("real training data (ceiling): train.jsonl"), std::string::npos);
  EXPECT_NE(md.find("| coverage ↑ |"), std::string::npos) << md;
  EXPECT_EQ(out, md);  // the table is also printed
}

TEST(EvalCli, RerunWithMoreSetsComputesOnlyTheNewOneAndMatchesAFreshRun) {
  TempDir dir;
  write_sets(dir, 120);
  write_slice("sst2/test.jsonl", 240, 120, dir.file("c.jsonl"));
  const std::string only_a = cli_path() + " eval --golden " + dir.file("golden.jsonl") + " --synthetic " + dir.file("a.jsonl") +
                             " --seed 3 --out " + dir.file("grown");
  const std::string all = " --synthetic " + dir.file("b.jsonl") + " --synthetic " + dir.file("c.jsonl");
  std::string out, err;
  ASSERT_EQ(run_command(only_a, &out, &err), 0) << err;
  EXPECT_EQ(count(err, "reusing the stored result"), 0u) << err;
  ASSERT_EQ(run_command(only_a + all, &out, &err), 0) << err;
  EXPECT_EQ(count(err, "a.jsonl: reusing the stored result"), 1u) << err;
  EXPECT_EQ(count(err, "reusing the stored result"), 1u) << err;
  EXPECT_NE(err.find("b.jsonl: FID, MAUVE, KL-cosine"), std::string::npos) << err;
  // The same files as one evaluation from scratch, elsewhere.
  const std::string fresh = cli_path() + " eval --golden " + dir.file("golden.jsonl") + " --synthetic " + dir.file("a.jsonl") +
                            all + " --seed 3 --out " + dir.file("fresh");
  ASSERT_EQ(run_command(fresh, &out, &err), 0) << err;
  for (const char* f : {"metrics.json", "metrics.md", "report.html"})
    EXPECT_EQ(read_file(dir.file(std::string("grown/") + f)), read_file(dir.file(std::string("fresh/") + f))) << f;
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.file("grown/sets")), {}), 3);
  // A changed set is computed again; --fresh computes all.
  write_slice("sst2/test.jsonl", 360, 120, dir.file("c.jsonl"));
  ASSERT_EQ(run_command(only_a + all, &out, &err), 0) << err;
  EXPECT_EQ(count(err, "reusing the stored result"), 2u) << err;
  EXPECT_EQ(err.find("c.jsonl: reusing"), std::string::npos) << err;
  ASSERT_EQ(run_command(only_a + all + " --fresh", &out, &err), 0) << err;
  EXPECT_EQ(count(err, "reusing the stored result"), 0u) << err;
}

TEST(EvalCli, FastTextClassifierTrainsOnTexts) {
  TempDir dir;
  write_sets(dir, 150);
  write_slice("sst2/train.jsonl", 0, 2000, dir.file("train.jsonl"));
  std::string err;
  ASSERT_EQ(run_command(eval_cmd(dir, "out") + " --classifier fasttext --train " + dir.file("train.jsonl"), nullptr, &err),
            0) << err;
  const json m = json::parse(read_file(dir.file("out/metrics.json")));
  EXPECT_EQ(m.at("settings").at("classifier").at("name"), "fasttext");
  EXPECT_EQ(m.at("settings").at("classifier").at("input"), "raw texts");
  EXPECT_GT(find_row(m, "train.jsonl", "ceiling").at("macro_f1").get<double>(), 0.55);
  EXPECT_TRUE(find_row(m, "a.jsonl", "synthetic").at("macro_f1").is_number());
  EXPECT_TRUE(find_row(m, "b.jsonl", "group", "positive").at("class_f1").is_number());
}

TEST(EvalCli, UnlabelledSyntheticSetGetsNotesNotErrors) {
  TempDir dir;
  write_slice("sst2/test.jsonl", 0, 100, dir.file("golden.jsonl"));
  write_slice("sst2/test.jsonl", 100, 100, dir.file("plain.jsonl"), [](json& j, std::size_t) { j.erase("label"); });
  std::string err;
  ASSERT_EQ(run_command(cli_path() + " eval --golden " + dir.file("golden.jsonl") + " --synthetic " +
                            dir.file("plain.jsonl") + " --out " + dir.file("out"),
                        nullptr, &err), 0) << err;
  const json m = json::parse(read_file(dir.file("out/metrics.json")));
  const json row = find_row(m, "plain.jsonl", "synthetic");
  EXPECT_TRUE(row.at("macro_f1").is_null());
  EXPECT_TRUE(row.at("fid").is_number());
  EXPECT_NE(row.at("notes").dump().find("has no labels"), std::string::npos);
  const json group = find_row(m, "plain.jsonl", "group", "negative");
  EXPECT_TRUE(group.at("fid").is_null());
  EXPECT_NE(group.at("notes").dump().find("no labels to group by"), std::string::npos);
}

TEST(EvalCli, MissingFileIsAUserError) {
  TempDir dir;
  write_slice("sst2/test.jsonl", 0, 50, dir.file("a.jsonl"));
  std::string err;
  EXPECT_EQ(run_command(cli_path() + " eval --golden " + dir.file("nope.jsonl") + " --synthetic " + dir.file("a.jsonl") +
                            " --out " + dir.file("out"), nullptr, &err), 1);
  EXPECT_NE(err.find("nope.jsonl"), std::string::npos) << err;
  EXPECT_NE(err.find("mop: error:"), std::string::npos) << err;
}

TEST(EvalCli, EmptySetIsAUserError) {
  TempDir dir;
  write_slice("sst2/test.jsonl", 0, 50, dir.file("golden.jsonl"));
  mop::test::write_file(dir.file("empty.jsonl"), "");
  std::string err;
  EXPECT_EQ(run_command(cli_path() + " eval --golden " + dir.file("golden.jsonl") + " --synthetic " +
                            dir.file("empty.jsonl") + " --out " + dir.file("out"), nullptr, &err), 1);
  EXPECT_NE(err.find("empty.jsonl"), std::string::npos) << err;
}

TEST(EvalCli, LabelsSharingNothingWithGoldenGetDistancesAndNotes) {
  // Another data set (news against movie reviews): the distances still mean something; a
  // classifier of its labels and per-label rows do not.
  TempDir dir;
  write_slice("sst2/test.jsonl", 0, 60, dir.file("golden.jsonl"));
  write_slice("agnews/test.jsonl", 0, 60, dir.file("news.jsonl"));
  std::string err;
  ASSERT_EQ(run_command(cli_path() + " eval --golden " + dir.file("golden.jsonl") + " --synthetic " +
                            dir.file("news.jsonl") + " --mauve-clusters 6 --prdc-k 3 --out " + dir.file("out"), nullptr, &err), 0) << err;
  const json m = json::parse(read_file(dir.file("out/metrics.json")));
  const json row = find_row(m, "news.jsonl", "synthetic");
  for (const char* key : {"fid", "mauve", "kl_cosine", "precision", "recall", "density", "coverage"})
    EXPECT_TRUE(row.at(key).is_number()) << key;
  EXPECT_TRUE(row.at("macro_f1").is_null());
  EXPECT_EQ(m.at("settings").at("prdc").at("nearest_k"), 3);
  const std::string why = "macro-F1 and per-label rows left out: news.jsonl's labels (business, sci/tech, sports, world) "
                          "share none with the golden set's (negative, positive)";
  EXPECT_NE(row.at("notes").dump().find(why), std::string::npos) << row.dump();
  for (const auto& r : m.at("rows")) EXPECT_NE(r.at("role"), "group") << r.dump();  // no per-label rows at all
  // The same note in the log, metrics.md and the report.
  EXPECT_NE(err.find("news.jsonl: news.jsonl's labels (business, sci/tech, sports, world) share none with the golden "
                     "set's (negative, positive); computing the distances only"), std::string::npos) << err;
  EXPECT_NE(read_file(dir.file("out/metrics.md")).find("- news.jsonl: " + why), std::string::npos);
  std::string html_why = why;  // as the report escapes it
  for (std::size_t at; (at = html_why.find('\'')) != std::string::npos;) html_why.replace(at, 1, "&#39;");
  EXPECT_NE(read_file(dir.file("out/report.html")).find(html_why), std::string::npos);
}

TEST(EvalCli, FewerRowsThanClustersFailsBeforeAnyWork) {
  TempDir dir;
  write_slice("sst2/test.jsonl", 0, 100, dir.file("golden.jsonl"));
  write_slice("sst2/test.jsonl", 100, 30, dir.file("small.jsonl"));
  std::string err;
  EXPECT_EQ(run_command(cli_path() + " eval --golden " + dir.file("golden.jsonl") + " --synthetic " +
                            dir.file("small.jsonl") + " --mauve-clusters 50 --out " + dir.file("out"), nullptr, &err), 1);
  EXPECT_NE(err.find("MAUVE with 50 clusters needs at least 50 rows"), std::string::npos) << err;
  EXPECT_NE(err.find("small.jsonl has 30"), std::string::npos) << err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("out/metrics.json")));
}

TEST(EvalCli, DistilBertIsRefusedWithTheReason) {
  TempDir dir;
  write_slice("sst2/test.jsonl", 0, 50, dir.file("golden.jsonl"));
  std::string err;
  EXPECT_EQ(run_command(cli_path() + " eval --golden " + dir.file("golden.jsonl") + " --synthetic " +
                            dir.file("golden.jsonl") + " --classifier distilbert --out " + dir.file("out"), nullptr, &err), 1);
  EXPECT_NE(err.find("not available"), std::string::npos) << err;
}
