// Stored per-set results: an exact JSON round trip, and a folder store that ignores damaged entries.
// (evaluate() reusing them only for the same comparison is tested with the suite, test_eval_suite.cpp.)
#include <gtest/gtest.h>

#include "mop/eval_store.h"
#include "mop/evaluate.h"
#include "support/paths.h"

using mop::eval::SetResult;

namespace {

// A result as evaluate() makes them, written by hand so these tests need no metric run.
SetResult made_up_result() {
  SetResult r;
  r.name = "a.jsonl";
  r.path = "/data/a.jsonl";
  r.overall.golden_rows = 60;
  r.overall.synthetic_rows = 80;
  r.overall.fid = 0.1 + 0.2;  // not exactly representable in decimal: must still round-trip
  r.overall.mauve = 0.9134567890123456;
  r.overall.kl_cosine = 1e-300;
  r.overall.macro_f1 = 2.0 / 3.0;
  r.overall.mauve_clusters = 6;
  r.overall.notes = {"a note, with \"quotes\" and \u00e9"};
  mop::eval::Metrics g;
  g.golden_rows = 30;
  g.fid = 4.5;
  g.notes = {"MAUVE skipped: too few rows"};
  r.groups = {{"negative", g}, {"positive", r.overall}};
  r.kl_detail.kl = 0.0123;
  r.kl_detail.golden_hist = {0.25, 0.75};
  r.kl_detail.synthetic_hist = {0.5, 0.5};
  r.kl_detail.golden_pairs = 1770;
  r.kl_detail.synthetic_pairs = 3160;
  r.distance_rows = 80;
  r.classifier_rows = 80;
  r.persona_usage = {{"p1", 50}, {"(none)", 30}};
  return r;
}

void expect_same(const SetResult& a, const SetResult& b) {
  EXPECT_EQ(mop::eval::set_result_to_json(a), mop::eval::set_result_to_json(b));
}

}  // namespace

TEST(EvalStore, JsonRoundTripIsExact) {
  const SetResult r = made_up_result();
  const auto j = mop::eval::set_result_to_json(r);
  const SetResult back = mop::eval::set_result_from_json(nlohmann::json::parse(j.dump()));
  expect_same(back, r);
  EXPECT_EQ(*back.overall.fid, *r.overall.fid);  // bit for bit, not approximately
  EXPECT_EQ(*back.overall.kl_cosine, 1e-300);
  EXPECT_FALSE(back.overall.frontier_integral.has_value());  // absent stays absent
  EXPECT_FALSE(back.groups[0].second.mauve.has_value());
  EXPECT_EQ(back.groups[1].first, "positive");
  EXPECT_EQ(back.kl_detail.golden_hist, r.kl_detail.golden_hist);
  EXPECT_EQ(back.persona_usage, r.persona_usage);
  EXPECT_EQ(back.overall.notes, r.overall.notes);
  EXPECT_THROW(mop::eval::set_result_from_json(nlohmann::json{{"name", "x"}}), std::exception);
}

TEST(EvalStore, DirectoryStoreKeepsFilesAndIgnoresDamagedOnes) {
  mop::test::TempDir dir;
  const SetResult r = made_up_result();
  mop::eval::DirectoryStore store(dir.path() / "sets");
  EXPECT_FALSE(store.find("k1").has_value());
  store.keep("k1", r);
  ASSERT_TRUE(store.find("k1").has_value());
  expect_same(*store.find("k1"), r);
  // A truncated or foreign file is not an error: the result is computed again.
  const std::string text = mop::test::read_file(dir.file("sets/k1.json"));
  mop::test::write_file(dir.file("sets/k1.json"), text.substr(0, text.size() / 2));
  EXPECT_FALSE(store.find("k1").has_value());
  mop::test::write_file(dir.file("sets/k2.json"), text);  // holds key k1
  EXPECT_FALSE(store.find("k2").has_value());
  // Not reusing: finds nothing, still keeps.
  mop::eval::DirectoryStore fresh(dir.path() / "sets", false);
  fresh.keep("k3", r);
  EXPECT_FALSE(fresh.find("k3").has_value());
  EXPECT_TRUE(store.find("k3").has_value());
}
