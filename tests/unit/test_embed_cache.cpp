// The embedding cache around the real GloVe-SIF encoder: nothing is encoded twice, across instances
// and across processes writing at the same time.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "mop/embed_cache.h"
#include "mop/embed_glove.h"
#include "mop/error.h"
#include "support/children.h"
#include "support/paths.h"
#include "support/shared_data.h"

namespace {

namespace fs = std::filesystem;
using mop::embed::CachedEncoder;
using mop::embed::Encoder;
using mop::embed::GloveSif;
using mop::embed::Matrix;

// Passes calls through to a real encoder and counts what it was asked to encode.
class CountingEncoder : public Encoder {
 public:
  explicit CountingEncoder(std::shared_ptr<Encoder> inner) : inner_(std::move(inner)) {}
  std::string id() const override { return inner_->id(); }
  int dim() const override { return inner_->dim(); }
  Matrix encode(const std::vector<std::string>& texts) override {
    ++calls;
    texts_encoded += texts.size();
    return inner_->encode(texts);
  }
  std::size_t calls = 0, texts_encoded = 0;

 private:
  std::shared_ptr<Encoder> inner_;
};

std::vector<std::string> sst2(std::size_t limit) { return mop::test::shared_texts("sst2/train.jsonl", limit); }

class Cache : public ::testing::Test {
 protected:
  void SetUp() override {
    try {
      glove = GloveSif::open();
    } catch (const mop::Error& e) {
      FAIL() << "the GloVe vectors are needed and missing: " << e.what();
    }
    glove->fit_component(sst2(2000));
    db = dir.path() / "sub" / "embeddings.sqlite";
  }
  std::shared_ptr<GloveSif> glove;
  mop::test::TempDir dir;
  fs::path db;
};

TEST_F(Cache, SecondRunEncodesNothing) {
  auto texts = sst2(300);
  texts.push_back(texts[0]);  // a repeat within the call is encoded once
  texts.push_back(texts[1]);
  const Matrix direct = glove->encode(texts);
  {
    auto counting = std::make_shared<CountingEncoder>(glove);
    CachedEncoder cached(counting, db);
    EXPECT_EQ(cached.id(), glove->id());
    EXPECT_EQ(cached.encode(texts), direct);
    EXPECT_EQ(counting->texts_encoded, 300u);
    EXPECT_EQ(cached.stats().misses, 300u);
    EXPECT_EQ(cached.stats().hits, 2u);
  }
  auto counting = std::make_shared<CountingEncoder>(glove);
  CachedEncoder cached(counting, db);  // a new instance, as a later command would open
  EXPECT_EQ(cached.encode(texts), direct);
  EXPECT_EQ(counting->calls, 0u);
  EXPECT_EQ(cached.stats().hits, texts.size());
  EXPECT_EQ(cached.stats().misses, 0u);
}

TEST_F(Cache, ChangedEncoderIdMissesAndChunksAreStored) {
  const auto texts = sst2(20);
  auto counting = std::make_shared<CountingEncoder>(glove);
  CachedEncoder cached(counting, db);
  cached.chunk_size = 7;
  cached.encode(texts);
  EXPECT_EQ(counting->calls, 3u);  // 7 + 7 + 6
  glove->fit_component(sst2(50));  // another component: another id, so no stale vectors
  const Matrix fresh = cached.encode(texts);
  EXPECT_EQ(counting->texts_encoded, 40u);
  EXPECT_EQ(fresh, glove->encode(texts));
}

// Four processes fill one cache at once, in small overlapping chunks; afterwards every text is there.
TEST_F(Cache, ConcurrentProcessesLoseNothing) {
  const auto texts = sst2(1000);
  const int kProcs = 4;
  const auto statuses = mop::test::run_in_children(kProcs, [&](int k) {
    CachedEncoder cached(glove, db);  // each process opens its own connection
    cached.chunk_size = 5;
    // Process k takes texts [200k, 200k + 400): each text but the first 200 is wanted by two processes.
    const std::vector<std::string> mine(texts.begin() + 200 * k, texts.begin() + std::min(1000, 200 * k + 400));
    for (std::size_t start = 0; start < mine.size(); start += 50) {
      const std::vector<std::string> part(mine.begin() + start, mine.begin() + std::min(mine.size(), start + 50));
      if (cached.encode(part) != glove->encode(part)) return 3;
    }
    return 0;
  });
  for (int k = 0; k < kProcs; ++k) EXPECT_EQ(statuses[k], 0) << "child " << k;
  auto counting = std::make_shared<CountingEncoder>(glove);
  CachedEncoder cached(counting, db);
  EXPECT_EQ(cached.encode(texts), glove->encode(texts));
  EXPECT_EQ(counting->texts_encoded, 0u);
  EXPECT_EQ(cached.stats().hits, texts.size());
}

TEST_F(Cache, ForeignFileIsAUserError) {
  fs::create_directories(db.parent_path());
  mop::test::write_file(db.string(), "this is not an SQLite database, just some text that is long enough to look at");
  try {
    CachedEncoder cached(glove, db);
    FAIL() << "expected mop::Error";
  } catch (const mop::Error& e) {
    EXPECT_NE(std::string(e.what()).find(db.string()), std::string::npos) << e.what();
  }
}

}  // namespace
