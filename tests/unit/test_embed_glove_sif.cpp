// GloVe-SIF on the real GloVe vectors and real sentences from ../shared/data. The vectors come from
// the mop cache (scripts/fetch_glove.sh puts them there; the first open converts them): when they
// are missing these tests fail with the fix, they are not skipped.
#include <gtest/gtest.h>

#include <array>
#include <map>
#include <nlohmann/json.hpp>

#include "mop/embed_glove.h"
#include "mop/error.h"
#include "support/paths.h"
#include "support/shared_data.h"

namespace {

using mop::embed::GloveSif;
using mop::embed::Matrix;

struct Record {
  std::string text, label;
};

// The first `limit` records of a shared JSONL file.
std::vector<Record> read_jsonl(const std::string& relative, std::size_t limit) {
  std::vector<Record> out;
  for (const auto& j : mop::test::shared_records(relative, 0, limit))
    out.push_back({j.at("text").get<std::string>(), j.at("label").get<std::string>()});
  return out;
}

std::vector<std::string> texts_of(const std::vector<Record>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(r.text);
  return out;
}

class RealGlove : public ::testing::Test {
 protected:
  void SetUp() override {
    try {
      glove = GloveSif::open();
    } catch (const mop::Error& e) {
      FAIL() << "the GloVe vectors are needed and missing: " << e.what();
    }
  }
  // A component fitted on AG News, as a command encoding that data would do.
  void fit_on_agnews() { glove->fit_component(texts_of(read_jsonl("agnews/train.jsonl", 8000))); }
  float cosine(const std::string& x, const std::string& y) {
    const Matrix m = glove->encode({x, y});
    return m.row(0).dot(m.row(1));
  }
  std::unique_ptr<GloveSif> glove;
};

TEST_F(RealGlove, VocabularyAndId) {
  EXPECT_EQ(glove->vocab_size(), 341479u);
  EXPECT_EQ(glove->dim(), 100);
  EXPECT_NEAR(*glove->word_probability("the"), 0.075, 0.002);  // Zipf: 1 / H_N
  EXPECT_EQ(glove->id().rfind("glove-sif1:v=", 0), 0u) << glove->id();
  EXPECT_NE(glove->id().find(":a=0.001:p=zipf:pc=none"), std::string::npos) << glove->id();
}

TEST_F(RealGlove, ParaphrasesAreCloserThanUnrelatedText) {
  fit_on_agnews();
  const auto world = read_jsonl("agnews/train.jsonl", 3);
  const auto sst = read_jsonl("sst2/test.jsonl", 4);
  // Real sentences, each with a hand-written paraphrase and an unrelated real sentence.
  const std::vector<std::array<std::string, 3>> cases = {
      {world[0].text,
       "Witnesses said attackers bombed an oil pipeline near Baghdad on Monday, the newest in a string of strikes on "
       "Iraq's oil export network.",
       sst[2].text},
      {world[1].text,
       "The United Nations envoy for Sudan pressed its government to allow thousands of international peacekeeping "
       "troops to stop militia violence in Darfur.",
       "I frequent this location when I visit my mom. The staff is friendly and helpful. The food is always good."},
      {sst[0].text, "nothing happens , there are no laughs , hardly anything at all .", world[2].text},
      {sst[3].text, "we never get emotionally involved in the plot , since its ideas stay purely abstract .",
       world[0].text},
  };
  for (const auto& [text, paraphrase, unrelated] : cases) {
    const float close = cosine(text, paraphrase);
    const float far = cosine(text, unrelated);
    EXPECT_GT(close, far + 0.2f) << text << "\n paraphrase " << close << ", unrelated " << far;
  }
}

// Same-topic AG News items are closer on average, and a nearest-centroid rule finds the topic.
TEST_F(RealGlove, AgNewsTopicsSeparate) {
  fit_on_agnews();
  const auto records = read_jsonl("agnews/train.jsonl", 8000);
  std::map<std::string, std::vector<std::string>> by_label;
  for (const auto& r : records) {
    if (by_label[r.label].size() < 200) by_label[r.label].push_back(r.text);
  }
  ASSERT_EQ(by_label.size(), 4u);
  std::vector<std::string> labels;
  std::vector<Matrix> m;
  for (const auto& [label, texts] : by_label) {
    labels.push_back(label);
    m.push_back(glove->encode(texts));
  }
  // Held-in centroids from the first half, accuracy on the second half.
  std::vector<Eigen::RowVectorXf> centroid;
  for (const auto& x : m) centroid.push_back(x.topRows(100).colwise().mean());
  int correct = 0, total = 0;
  for (std::size_t a = 0; a < m.size(); ++a) {
    for (std::size_t b = 0; b < m.size(); ++b) {
      const float mean_cos = (m[a] * m[b].transpose()).mean();
      if (a != b) {
        const float within = (m[a] * m[a].transpose()).mean();
        EXPECT_GT(within, mean_cos + 0.05f) << labels[a] << " vs " << labels[b];
      }
    }
    for (Eigen::Index r = 100; r < m[a].rows(); ++r) {
      std::size_t best = 0;
      for (std::size_t c = 1; c < centroid.size(); ++c) {
        if (m[a].row(r).dot(centroid[c]) > m[a].row(r).dot(centroid[best])) best = c;
      }
      correct += best == a;
      ++total;
    }
  }
  EXPECT_GT(static_cast<double>(correct) / total, 0.75) << correct << " of " << total;
}

TEST_F(RealGlove, UnitNormDeterministicAndIndependentOfTheBatch) {
  fit_on_agnews();
  auto texts = texts_of(read_jsonl("sst2/train.jsonl", 500));
  texts.push_back("");
  texts.push_back("12345 67");
  const Matrix all = glove->encode(texts);
  ASSERT_TRUE(all.allFinite());
  for (Eigen::Index r = 0; r < all.rows(); ++r) ASSERT_NEAR(all.row(r).norm(), 1.0f, 1e-5f) << texts[r];
  EXPECT_EQ(glove->encode(texts), all);
  const Matrix one = glove->encode({texts[7]});
  EXPECT_EQ(one.row(0), all.row(7));
  // A second process would open the same file and load the same component: same vectors.
  const auto again = GloveSif::open();
  again->fit_component(texts_of(read_jsonl("agnews/train.jsonl", 8000)));
  EXPECT_EQ(again->id(), glove->id());
  EXPECT_EQ(again->encode(texts), all);
}

// The golden-vs-synthetic rule: one component, fitted once, used for both sets.
TEST_F(RealGlove, OneComponentServesTwoSets) {
  const auto golden = texts_of(read_jsonl("sst2/test.jsonl", 1000));
  const auto synthetic = texts_of(read_jsonl("sst2/train.jsonl", 300));
  glove->fit_component(golden);
  const auto u = *glove->component();
  const std::string id = glove->id();
  const Matrix s = glove->encode(synthetic);
  EXPECT_LT((s * u).cwiseAbs().maxCoeff(), 1e-5f);  // removed from the other set too
  EXPECT_EQ(*glove->component(), u);                 // encode() never refits

  const mop::test::TempDir dir;
  glove->save_component(dir.path() / "pc.json");
  const auto elsewhere = GloveSif::open();
  elsewhere->load_component(dir.path() / "pc.json");
  EXPECT_EQ(elsewhere->id(), id);
  EXPECT_EQ(elsewhere->encode(synthetic), s);
}

}  // namespace
