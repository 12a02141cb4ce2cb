// Generation on a real model (stories260K): English words, seeds, batching independence, stops.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "lm/llama_model.h"
#include "support/paths.h"

using namespace mop::lm;

namespace {

class LmGenerate : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    LlamaOptions o;
    o.model = mop::test::stories_model();
    o.n_threads = 1;
    o.n_ctx = 4096;
    o.n_parallel = 8;
    model_ = new LlamaModel(o);
  }
  static void TearDownTestSuite() { delete model_; }
  static LlamaModel* model_;

  static GenerateRequest request(const std::string& prompt, uint64_t seed, int max_tokens = 40) {
    GenerateRequest r;
    r.prompt = prompt;
    r.sampling.temperature = 0.8;
    r.sampling.top_p = 0.95;
    r.sampling.max_tokens = max_tokens;
    r.sampling.seed = seed;
    return r;
  }
};
LlamaModel* LmGenerate::model_ = nullptr;

}  // namespace

TEST_F(LmGenerate, ProducesEnglishWords) {
  const auto g = model_->generate({request("Once upon a time,", 1, 60)}, {});
  ASSERT_EQ(g.size(), 1u);
  static const std::set<std::string> common = {"the", "a", "was", "and", "to", "he", "she", "it", "her", "his", "they", "day", "said"};
  std::istringstream words(g[0].text);
  int hits = 0, total = 0;
  for (std::string w; words >> w; ++total) {
    std::string lower;
    for (char c : w)
      if (std::isalpha(static_cast<unsigned char>(c))) lower += static_cast<char>(std::tolower(c));
    hits += common.count(lower);
  }
  EXPECT_GE(total, 8) << g[0].text;
  EXPECT_GE(hits, 3) << g[0].text;
  EXPECT_GT(g[0].n_tokens, 0);
}

TEST_F(LmGenerate, SameSeedSameText) {
  const auto a = model_->generate({request("Lily and Tom", 42)}, {});
  const auto b = model_->generate({request("Lily and Tom", 42)}, {});
  const auto c = model_->generate({request("Lily and Tom", 43)}, {});
  EXPECT_EQ(a[0].text, b[0].text);
  EXPECT_NE(a[0].text, c[0].text);
}

TEST_F(LmGenerate, OtherSequencesInTheBatchDoNotChangeADraw) {
  const auto alone = model_->generate({request("The little bird", 7)}, {});
  std::vector<GenerateRequest> many;
  for (int i = 0; i < 12; ++i) many.push_back(request(i % 3 ? "Once upon a time" : "The sun was", 100 + i));
  many.insert(many.begin() + 5, request("The little bird", 7));
  const auto together = model_->generate(many, {});
  EXPECT_EQ(together[5].text, alone[0].text);
}

TEST_F(LmGenerate, MaxTokensAndStopStrings) {
  auto r = request("Once upon a time", 3, 5);
  const auto g = model_->generate({r}, {});
  EXPECT_LE(g[0].n_tokens, 5);
  if (g[0].n_tokens == 5) EXPECT_EQ(g[0].finish_reason, "length");

  // Stop at the first period: the text never contains one, and generation ended by "stop".
  auto s = request("Once upon a time", 9, 200);
  s.sampling.stop = {"."};
  const auto h = model_->generate({s}, {});
  EXPECT_EQ(h[0].text.find('.'), std::string::npos) << h[0].text;
  EXPECT_EQ(h[0].finish_reason, "stop");
}

TEST_F(LmGenerate, GreedyIsDeterministicWhateverTheSeed) {
  auto a = request("Tom had a ball", 1);
  auto b = request("Tom had a ball", 2);
  a.sampling.temperature = b.sampling.temperature = 0;
  const auto g = model_->generate({a, b}, {});
  EXPECT_EQ(g[0].text, g[1].text);
}

TEST_F(LmGenerate, ProgressReachesTheTotal) {
  std::vector<GenerateRequest> reqs;
  for (int i = 0; i < 10; ++i) reqs.push_back(request("Once", i, 8));
  size_t last = 0, total = 0;
  model_->generate(reqs, [&](size_t d, size_t t) {
    EXPECT_GE(d, last);
    last = d;
    total = t;
  });
  EXPECT_EQ(last, 10u);
  EXPECT_EQ(total, 10u);
}
