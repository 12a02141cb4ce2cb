// Token budgets on a real tokenizer (stories260K): texts over budget are cut at the last word
// boundary that fits, the marker counted; texts within it are left alone; a text without spaces is
// cut at a character boundary.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "method/token_budget.h"
#include "mop/lm_llama.h"
#include "support/paths.h"

using mop::method::fit_to_budget;

namespace {

class TokenBudget : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    mop::lm::LlamaOptions o;
    o.model = mop::test::stories_model();
    o.n_ctx = 512;
    o.n_parallel = 1;
    o.n_threads = 1;
    lm_ = mop::lm::load_llama(o).release();
  }
  static void TearDownTestSuite() { delete lm_; }
  static size_t tokens(const std::string& t) { return lm_->count_tokens({t}).front(); }
  static inline mop::lm::LanguageModel* lm_ = nullptr;
};

std::string words(size_t n) {
  static const char* vocab[] = {"the", "little", "dog", "ran", "to", "a", "big", "park", "and", "played", "with", "friends"};
  std::string s;
  for (size_t i = 0; i < n; ++i) s += (i ? (i % 9 == 8 ? ".\n" : " ") : "") + std::string(vocab[(i * 7 + i / 3) % 12]);
  return s;
}

}  // namespace

TEST_F(TokenBudget, LeavesShortTextsAlone) {
  const std::vector<std::string> texts = {"", "Once upon a time.", words(20)};
  const auto out = fit_to_budget(*lm_, texts, 64, mop::method::kCutMarker);
  ASSERT_EQ(out.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_FALSE(out[i].cut) << i;
    EXPECT_EQ(out[i].text, texts[i]);
    EXPECT_EQ(out[i].tokens, tokens(texts[i]));
  }
}

TEST_F(TokenBudget, CutsAtTheLastWordBoundaryThatFits) {
  const std::string marker = mop::method::kCutMarker;
  const std::vector<std::string> texts = {words(60), words(400), words(1500)};
  for (size_t budget : {16u, 50u, 200u}) {
    const auto out = fit_to_budget(*lm_, texts, budget, marker);
    for (size_t i = 0; i < texts.size(); ++i) {
      const auto& b = out[i];
      if (tokens(texts[i]) <= budget) {
        EXPECT_FALSE(b.cut);
        continue;
      }
      ASSERT_TRUE(b.cut) << i;
      EXPECT_EQ(b.full_tokens, tokens(texts[i]));
      EXPECT_EQ(b.tokens, tokens(b.text));
      EXPECT_LE(b.tokens, budget) << b.text;
      // A whole-word prefix of the original, then the marker.
      ASSERT_GE(b.text.size(), marker.size());
      ASSERT_EQ(b.text.substr(b.text.size() - marker.size()), marker);
      const std::string prefix = b.text.substr(0, b.text.size() - marker.size());
      ASSERT_FALSE(prefix.empty());
      ASSERT_EQ(texts[i].compare(0, prefix.size(), prefix), 0);
      ASSERT_LT(prefix.size(), texts[i].size());
      EXPECT_TRUE(texts[i][prefix.size()] == ' ' || texts[i][prefix.size()] == '\n');
      // The longest such prefix: one more word would not fit.
      size_t next = texts[i].find_first_of(" \n", prefix.size() + 1);
      while (next != std::string::npos && (texts[i][next - 1] == ' ' || texts[i][next - 1] == '\n'))
        next = texts[i].find_first_of(" \n", next + 1);
      if (next != std::string::npos) EXPECT_GT(tokens(texts[i].substr(0, next) + marker), budget) << budget << " " << i;
    }
  }
}

TEST_F(TokenBudget, WithoutMarkerTheCutIsAPlainPrefix) {
  const std::string text = words(800);
  const auto out = fit_to_budget(*lm_, {text}, 100);
  ASSERT_TRUE(out[0].cut);
  EXPECT_LE(out[0].tokens, 100u);
  EXPECT_GT(out[0].tokens, 80u);  // word boundaries come every few tokens
  EXPECT_EQ(text.compare(0, out[0].text.size(), out[0].text), 0);
}

TEST_F(TokenBudget, CutsInsideAWordOnlyWhenNoWordFits) {
  // One "word" of multi-byte characters: the cut must keep whole UTF-8 characters.
  std::string word;
  for (int i = 0; i < 300; ++i) word += (i % 2 ? "\xc3\xa9" : "\xe2\x82\xac");  // e-acute, euro sign
  const auto out = fit_to_budget(*lm_, {word}, 32, mop::method::kCutMarker);
  ASSERT_TRUE(out[0].cut);
  EXPECT_LE(out[0].tokens, 32u);
  const std::string prefix = out[0].text.substr(0, out[0].text.size() - std::string(mop::method::kCutMarker).size());
  ASSERT_FALSE(prefix.empty());
  EXPECT_EQ(word.compare(0, prefix.size(), prefix), 0);
  EXPECT_NE(static_cast<unsigned char>(word[prefix.size()]) & 0xC0, 0x80u) << "cut inside a character";
}

TEST_F(TokenBudget, ZeroMeansNoBudget) {
  const std::string text = words(1500);
  const auto out = fit_to_budget(*lm_, {text}, 0, mop::method::kCutMarker);
  EXPECT_FALSE(out[0].cut);
  EXPECT_EQ(out[0].text, text);
}
