// The evaluation suite on made-up embeddings: rows, groups, notes for small or unlabelled sets,
// errors for impossible inputs, notes for labels foreign to the golden set, and the outputs' shape.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "mop/error.h"
#include "mop/eval_store.h"
#include "mop/evaluate.h"
#include "mop/metrics.h"

using mop::eval::EvalSet;

namespace {

// Two labels, each a Gaussian blob in 8-d around +-centre on the first axis, `shift` along the second.
EvalSet blobs(const std::string& name, int per_label, double shift, std::uint64_t seed, double centre = 5) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> z;
  EvalSet s;
  s.name = s.path = name;
  s.embeddings.resize(2 * per_label, 8);
  for (int i = 0; i < 2 * per_label; ++i) {
    const bool pos = i % 2;
    for (int j = 0; j < 8; ++j) s.embeddings(i, j) = z(rng);
    s.embeddings(i, 0) += static_cast<float>(pos ? centre : -centre);
    s.embeddings(i, 1) += static_cast<float>(shift);
    s.labels.push_back(pos ? "pos" : "neg");
    s.texts.push_back(name + " text " + std::to_string(i));
  }
  return s;
}

const mop::eval::Metrics& group(const mop::eval::SetResult& r, const std::string& label) {
  for (const auto& [l, m] : r.groups)
    if (l == label) return m;
  throw std::runtime_error("no group " + label);
}

bool has_note(const std::vector<std::string>& notes, const std::string& part) {
  for (const auto& n : notes)
    if (n.find(part) != std::string::npos) return true;
  return false;
}

// Remembers results in memory and counts lookups that found one.
class CountingStore : public mop::eval::ResultStore {
 public:
  std::optional<mop::eval::SetResult> find(const std::string& key) override {
    const auto it = kept.find(key);
    if (it == kept.end()) return std::nullopt;
    ++hits;
    return it->second;
  }
  void keep(const std::string& key, const mop::eval::SetResult& r) override { kept[key] = r; }
  std::map<std::string, mop::eval::SetResult> kept;
  int hits = 0;
};

void expect_same(const mop::eval::SetResult& a, const mop::eval::SetResult& b) {
  EXPECT_EQ(mop::eval::set_result_to_json(a), mop::eval::set_result_to_json(b));
}

}  // namespace

TEST(EvalSuite, CloseSetScoresBetterThanShiftedSetOverallAndPerLabel) {
  const EvalSet golden = blobs("g", 100, 0, 1), near = blobs("near", 100, 0, 2), far = blobs("far", 100, 4, 3);
  const auto r = mop::eval::evaluate(golden, {near, far}, nullptr, {});
  ASSERT_EQ(r.sets.size(), 2u);
  EXPECT_EQ(r.golden_labels, (std::vector<std::string>{"neg", "pos"}));
  const auto& n = r.sets[0].overall;
  const auto& f = r.sets[1].overall;
  EXPECT_LT(*n.fid, *f.fid);
  EXPECT_GT(*n.mauve, *f.mauve);
  EXPECT_LT(*n.kl_cosine, *f.kl_cosine);
  EXPECT_EQ(n.mauve_clusters, 20);
  EXPECT_GT(*n.coverage, *f.coverage);
  EXPECT_GT(*n.recall, *f.recall);
  EXPECT_GT(*n.density, *f.density);
  EXPECT_DOUBLE_EQ(*n.macro_f1, 1.0);  // separable blobs: a perfect classifier
  for (const char* label : {"neg", "pos"}) {
    EXPECT_EQ(group(r.sets[0], label).golden_rows, 100u);
    EXPECT_LT(*group(r.sets[0], label).fid, *group(r.sets[1], label).fid);
    EXPECT_DOUBLE_EQ(*group(r.sets[0], label).macro_f1, 1.0);
  }
  EXPECT_FALSE(r.ceiling);
  EXPECT_EQ(r.settings.at("kl_cosine").at("direction").get<std::string>().rfind("KL(S || G)", 0), 0u);
  EXPECT_EQ(r.settings.at("prdc").at("nearest_k"), 5);
  // The DistilBERT setting tells the user what gives the F1, not what our machines can fetch.
  const std::string distilbert = r.settings.at("distilbert").get<std::string>();
  EXPECT_EQ(distilbert.find("fetch"), std::string::npos) << distilbert;
  EXPECT_NE(distilbert.find("softmax classifier"), std::string::npos) << distilbert;
}

TEST(EvalSuite, KnnMetricsFollowTheirKAndSkipSetsTooSmallForIt) {
  const EvalSet golden = blobs("g", 40, 0, 1), synth = blobs("s", 40, 0.5, 2);
  mop::eval::SuiteOptions o;
  o.prdc.nearest_k = 3;
  const auto r = mop::eval::evaluate(golden, {synth}, nullptr, o);
  const auto direct = mop::eval::prdc(golden.embeddings, synth.embeddings, o.prdc);
  EXPECT_EQ(*r.sets[0].overall.precision, direct.precision);
  EXPECT_EQ(*r.sets[0].overall.recall, direct.recall);
  EXPECT_EQ(*r.sets[0].overall.density, direct.density);
  EXPECT_EQ(*r.sets[0].overall.coverage, direct.coverage);
  EXPECT_TRUE(group(r.sets[0], "pos").coverage);  // 40 rows per label: enough for the per-label rows
  EXPECT_EQ(r.settings.at("prdc").at("nearest_k"), 3);

  // k = 50 needs 51 rows per side: a note overall (80 rows) and per label (40), the rest still computed.
  o.prdc.nearest_k = 50;
  o.mauve.num_clusters = 4;
  const auto big = mop::eval::evaluate(golden, {synth}, nullptr, o);
  EXPECT_TRUE(big.sets[0].overall.coverage);
  EXPECT_FALSE(group(big.sets[0], "pos").coverage);
  EXPECT_TRUE(has_note(group(big.sets[0], "pos").notes,
                       "precision, recall, density and coverage skipped: 40 golden and 40 synthetic rows, needs at least 51"));
  o.prdc.nearest_k = 100;
  const auto huge = mop::eval::evaluate(golden, {synth}, nullptr, o);
  EXPECT_FALSE(huge.sets[0].overall.precision);
  EXPECT_TRUE(huge.sets[0].overall.fid);
  EXPECT_TRUE(has_note(huge.sets[0].overall.notes, "needs at least 101 on each side"));
}

TEST(EvalSuite, SmallGroupsGetNotesInsteadOfMetrics) {
  const EvalSet golden = blobs("g", 60, 0, 1);
  EvalSet few = blobs("few", 60, 0, 2);
  // Keep every "neg" row but only 6 "pos" rows.
  EvalSet cut;
  cut.name = cut.path = "cut";
  std::vector<long> keep;
  int pos = 0;
  for (long i = 0; i < few.embeddings.rows(); ++i)
    if (few.labels[static_cast<std::size_t>(i)] == "neg" || pos++ < 6) keep.push_back(i);
  cut.embeddings.resize(static_cast<long>(keep.size()), 8);
  for (std::size_t i = 0; i < keep.size(); ++i) {
    cut.embeddings.row(static_cast<long>(i)) = few.embeddings.row(keep[i]);
    cut.labels.push_back(few.labels[static_cast<std::size_t>(keep[i])]);
    cut.texts.push_back(few.texts[static_cast<std::size_t>(keep[i])]);
  }
  const auto r = mop::eval::evaluate(golden, {cut}, nullptr, {});
  const auto& p = group(r.sets[0], "pos");
  EXPECT_EQ(p.synthetic_rows, 6u);
  EXPECT_FALSE(p.fid);
  EXPECT_FALSE(p.mauve);
  EXPECT_FALSE(p.kl_cosine);
  EXPECT_TRUE(has_note(p.notes, "MAUVE skipped: 60 golden and 6 synthetic rows, needs at least 20"));
  EXPECT_TRUE(p.macro_f1);  // the class F1 comes from the whole golden set
  const auto& n = group(r.sets[0], "neg");
  EXPECT_TRUE(n.fid && n.mauve && n.kl_cosine);
  EXPECT_EQ(n.mauve_clusters, 6);
}

TEST(EvalSuite, UnlabelledSetHasDistancesButNoF1OrGroups) {
  const EvalSet golden = blobs("g", 40, 0, 1);
  EvalSet plain = blobs("plain", 40, 0, 2);
  plain.labels.clear();
  plain.label_note = "no row has the label field \"label\"";
  const auto r = mop::eval::evaluate(golden, {plain}, nullptr, {});
  EXPECT_TRUE(r.sets[0].overall.fid);
  EXPECT_FALSE(r.sets[0].overall.macro_f1);
  EXPECT_TRUE(has_note(r.sets[0].overall.notes, "plain has no labels (no row has the label field"));
  EXPECT_TRUE(has_note(group(r.sets[0], "pos").notes, "no labels to group by"));
  EXPECT_FALSE(group(r.sets[0], "pos").macro_f1);
}

TEST(EvalSuite, CeilingTrainsOnAllRowsAndMeasuresASample) {
  const EvalSet golden = blobs("g", 50, 0, 1), synth = blobs("s", 50, 1, 2), train = blobs("train", 300, 0, 4);
  mop::eval::SuiteOptions o;
  o.classifier = mop::eval::Classifier::FastText;
  const auto r = mop::eval::evaluate(golden, {synth}, &train, o);
  ASSERT_TRUE(r.ceiling);
  EXPECT_EQ(r.ceiling->distance_rows, 100u);    // as large as the largest synthetic set
  EXPECT_EQ(r.ceiling->classifier_rows, 600u);  // every training row
  EXPECT_EQ(r.ceiling->overall.synthetic_rows, 100u);
  // fastText reads texts, and these texts carry no label information: F1 near chance, but present.
  EXPECT_TRUE(r.ceiling->overall.macro_f1);
  EXPECT_EQ(r.settings.at("classifier").at("name"), "fasttext");
  EXPECT_EQ(r.settings.at("ceiling").at("distance_sample_rows"), 100);
}

TEST(EvalSuite, ImpossibleInputsAreUserErrorsAndForeignLabelsGetNotes) {
  const EvalSet golden = blobs("g", 20, 0, 1);
  EvalSet other = blobs("o", 20, 0, 2);
  for (auto& l : other.labels) l = l == "pos" ? "world" : "sports";
  {
    // No shared label (another data set): distances, and notes in place of F1 and label groups.
    const auto r = mop::eval::evaluate(golden, {other}, nullptr, {});
    ASSERT_EQ(r.sets.size(), 1u);
    EXPECT_FALSE(r.sets[0].overall.macro_f1);
    EXPECT_TRUE(r.sets[0].overall.fid && std::isfinite(*r.sets[0].overall.fid));
    std::string notes;
    for (const auto& n : r.sets[0].overall.notes) notes += n + "\n";
    EXPECT_NE(notes.find("share none with the golden set's"), std::string::npos) << notes;
    EXPECT_TRUE(r.sets[0].overall.coverage && r.sets[0].overall.precision);
    // One note says why, and there are no per-label rows at all (not rows of dashes).
    EXPECT_TRUE(has_note(r.sets[0].overall.notes, "macro-F1 and per-label rows left out: o's labels (sports, world) share "
                                                  "none with the golden set's (neg, pos)"))
        << notes;
    EXPECT_TRUE(r.sets[0].groups.empty());
    const auto j = mop::eval::to_json(r);
    EXPECT_EQ(j.at("rows").size(), 1u);
    const std::string md = mop::eval::to_markdown(r);
    EXPECT_NE(md.find("- o: macro-F1 and per-label rows left out"), std::string::npos) << md;
    EXPECT_EQ(md.find("| o | neg |"), std::string::npos) << md;
    // The log says it before the slow part.
    std::vector<std::string> lines;
    mop::eval::evaluate(golden, {other}, nullptr, {}, [&](const std::string& l) { lines.push_back(l); });
    ASSERT_GE(lines.size(), 2u);
    EXPECT_NE(lines[0].find("subgroups of the golden set"), std::string::npos) << lines[0];
    EXPECT_NE(lines[1].find("share none with the golden set's"), std::string::npos) << lines[1];
    EXPECT_NE(lines[1].find("distances only, without macro-F1 and per-label rows"), std::string::npos) << lines[1];
  }

  EvalSet narrow = blobs("n", 20, 0, 2);
  narrow.embeddings.conservativeResize(Eigen::NoChange, 4);
  EXPECT_THROW(mop::eval::evaluate(golden, {narrow}, nullptr, {}), mop::Error);  // other width

  EvalSet one = blobs("one", 20, 0, 2);
  one.texts.resize(1);
  one.labels.resize(1);
  one.embeddings.conservativeResize(1, Eigen::NoChange);
  EXPECT_THROW(mop::eval::check_sizes(golden, {&one}, {}), mop::Error);

  mop::eval::SuiteOptions o;
  o.mauve.num_clusters = 50;  // more than the 40 rows per set
  try {
    mop::eval::check_sizes(golden, {&golden}, o);
    FAIL() << "no error for 50 clusters on 40 rows";
  } catch (const mop::Error& e) {
    EXPECT_NE(std::string(e.what()).find("needs at least 50 rows"), std::string::npos) << e.what();
  }
  EXPECT_THROW(mop::eval::evaluate(golden, {}, nullptr, {}), mop::Error);
  EXPECT_THROW(mop::eval::parse_classifier("distilbert"), mop::Error);
  EXPECT_THROW(mop::eval::parse_classifier("svm"), mop::Error);
}

TEST(EvalSuite, JsonAndMarkdownHoldEveryRow) {
  const EvalSet golden = blobs("g", 30, 0, 1), synth = blobs("s|x", 30, 0.5, 2), train = blobs("t", 60, 0, 5);
  const auto r = mop::eval::evaluate(golden, {synth}, &train, {});
  const auto j = mop::eval::to_json(r);
  ASSERT_EQ(j.at("rows").size(), 6u);  // (1 overall + 2 groups) x (synthetic, ceiling)
  EXPECT_EQ(j.at("rows")[0].at("role"), "synthetic");
  EXPECT_TRUE(j.at("rows")[0].at("group").is_null());
  EXPECT_EQ(j.at("rows")[1].at("role"), "group");
  EXPECT_TRUE(j.at("rows")[1].contains("class_f1"));
  EXPECT_EQ(j.at("rows")[3].at("role"), "ceiling");
  EXPECT_EQ(j.at("golden").at("rows"), 60);
  const std::string md = mop::eval::to_markdown(r);
  EXPECT_NE(md.find("| s\\|x | 60 |"), std::string::npos) << md;  // a pipe cannot break the table
  EXPECT_NE(md.find("| real training data (ceiling): t | 60 |"), std::string::npos) << md;
  EXPECT_NE(md.find("downstream F1 comes from a softmax classifier trained on each set's embeddings, in place of the paper's "
                    "fine-tuned DistilBERT"), std::string::npos) << md;
  EXPECT_EQ(mop::eval::format_value(std::nullopt), "—");
  EXPECT_EQ(mop::eval::format_value(0.5), "0.5000");
  EXPECT_EQ(mop::eval::format_value(2.5e-5), "2.50e-05");
}

// evaluate() with a store: a result is reused only for the very same comparison.
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
