// Stored per-set results: exact JSON round trip, and evaluate() reusing a result only for the very
// same comparison (same sets, embeddings and settings) and computing it otherwise.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "mop/eval_store.h"
#include "mop/evaluate.h"
#include "support/paths.h"

using mop::eval::EvalSet;
using mop::eval::SetResult;

namespace {

EvalSet blobs(const std::string& name, int per_label, double shift, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> z;
  EvalSet s;
  s.name = s.path = name;
  s.embeddings.resize(2 * per_label, 6);
  for (int i = 0; i < 2 * per_label; ++i) {
    for (int j = 0; j < 6; ++j) s.embeddings(i, j) = z(rng);
    s.embeddings(i, 0) += static_cast<float>(i % 2 ? 4 : -4);
    s.embeddings(i, 1) += static_cast<float>(shift);
    s.labels.push_back(i % 2 ? "pos" : "neg");
    s.texts.push_back(name + " text " + std::to_string(i));
  }
  return s;
}

// Remembers results in memory and counts lookups that found one.
class CountingStore : public mop::eval::ResultStore {
 public:
  std::optional<SetResult> find(const std::string& key) override {
    const auto it = kept.find(key);
    if (it == kept.end()) return std::nullopt;
    ++hits;
    return it->second;
  }
  void keep(const std::string& key, const SetResult& r) override { kept[key] = r; }
  std::map<std::string, SetResult> kept;
  int hits = 0;
};

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

// In the EvalSuite group: it runs the metrics, which the sanitized stage leaves out as too slow.
TEST(EvalSuite, StoredResultIsReusedOnlyForTheSameComparison) {
  const EvalSet golden = blobs("g", 60, 0, 1), a = blobs("a", 60, 0.5, 2), b = blobs("b", 60, 2, 3);
  CountingStore store;
  const auto first = mop::eval::evaluate(golden, {a}, &golden, {}, {}, &store);
  EXPECT_EQ(store.kept.size(), 2u);  // the set and the ceiling
  EXPECT_EQ(store.hits, 0);

  // One more set: the first set and the ceiling (same sample size) come from the store.
  std::vector<std::string> lines;
  const auto second = mop::eval::evaluate(golden, {a, b}, &golden, {}, [&](const std::string& l) { lines.push_back(l); }, &store);
  EXPECT_EQ(store.hits, 2);
  EXPECT_EQ(store.kept.size(), 3u);
  expect_same(second.sets[0], first.sets[0]);
  expect_same(*second.ceiling, *first.ceiling);
  const auto plain = mop::eval::evaluate(golden, {a, b}, &golden, {});
  expect_same(second.sets[1], plain.sets[1]);
  bool said = false;
  for (const auto& l : lines) said |= l.rfind("a: reusing the stored result", 0) == 0;
  EXPECT_TRUE(said);

  // The same set under another path (say, relative instead of absolute) is the same comparison.
  EvalSet moved = a;
  moved.path = "elsewhere/a";
  const auto again = mop::eval::evaluate(golden, {moved}, nullptr, {}, {}, &store);
  EXPECT_EQ(store.hits, 3);
  EXPECT_EQ(again.sets[0].path, "elsewhere/a");
  EXPECT_EQ(*again.sets[0].overall.mauve, *first.sets[0].overall.mauve);

  // Anything compare() reads changes the key: one embedding value, one label, one text, the settings.
  store.hits = 0;
  EvalSet a2 = a;
  a2.embeddings(3, 2) += 1e-6f;
  mop::eval::evaluate(golden, {a2}, nullptr, {}, {}, &store);
  a2 = a;
  a2.labels[0] = "pos";
  mop::eval::evaluate(golden, {a2}, nullptr, {}, {}, &store);
  a2 = a;
  a2.texts[5] += " ";
  mop::eval::evaluate(golden, {a2}, nullptr, {}, {}, &store);
  EvalSet g2 = golden;
  g2.embeddings(0, 0) = 0;
  mop::eval::evaluate(g2, {a}, nullptr, {}, {}, &store);
  mop::eval::SuiteOptions other;
  other.kl_cosine.bins = 50;
  mop::eval::evaluate(golden, {a}, nullptr, other, {}, &store);
  EXPECT_EQ(store.hits, 0);
  EXPECT_EQ(store.kept.size(), 8u);
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
