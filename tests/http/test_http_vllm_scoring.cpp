// The vLLM scoring path (prompt_logprobs + /tokenize) against a loopback server answering in
// vLLM's format from the real stories260K model, compared with the in-process llama.cpp scores.
#include <gtest/gtest.h>

#include <cmath>

#include "mop/error.h"
#include "mop/lm_open.h"
#include "support/paths.h"
#include "support/process.h"
#include "support/vllm_fake.h"

using namespace mop;

namespace {

lm::LlamaOptions stories() {
  lm::LlamaOptions o;
  o.model = test::stories_model();
  o.n_threads = 1;
  o.n_ctx = 2048;
  o.chat_template = "plain";
  return o;
}

std::vector<lm::ScoreRequest> pairs(lm::LanguageModel& m, double tau) {
  std::vector<lm::ScoreRequest> r;
  const std::string p1 = m.render("You are a child who loves cats.", "Tell a short story.");
  const std::string p2 = m.render("", "Once upon a time");
  for (const auto& [p, c] : std::vector<std::pair<std::string, std::string>>{
           {p1, "Lily saw a big cat. She was happy."}, {p1, "The dog ran to the park."}, {p2, " there was a little girl"},
           {"Once upon a time", " there was"}, {p2, ""}})
    r.push_back({p, c, tau});
  return r;
}

class VllmScoring : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fake_ = new test::VllmFake(test::stories_model(), "stories-vllm");
    local_ = lm::load_llama(stories()).release();
  }
  static void TearDownTestSuite() {
    delete local_;
    delete fake_;
  }
  static std::unique_ptr<lm::LanguageModel> remote(int top_k) {
    lm::ModelOptions o;
    o.http.endpoints = {fake_->url()};
    o.http.score_top_k = top_k;
    o.llama.chat_template = "plain";  // both sides render prompts the same way
    return lm::open_model(o, {.score = true});
  }
  static test::VllmFake* fake_;
  static lm::LanguageModel* local_;
};
test::VllmFake* VllmScoring::fake_ = nullptr;
lm::LanguageModel* VllmScoring::local_ = nullptr;

}  // namespace

TEST_F(VllmScoring, TauOneMatchesInProcessScores) {
  auto m = remote(5);
  EXPECT_EQ(m->id(), "http:stories-vllm");
  const auto req = pairs(*local_, 1.0);
  const auto want = local_->score(req);
  const auto got = m->score(req);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < req.size(); ++i) {
    EXPECT_EQ(got[i].n_tokens, want[i].n_tokens) << i;
    EXPECT_NEAR(got[i].logprob, want[i].logprob, 1e-3 * std::max(1.0, std::abs(want[i].logprob))) << i;
  }
  EXPECT_EQ(want.back().n_tokens, 0);  // the empty continuation
  EXPECT_EQ(got.back().logprob, 0.0);
}

TEST_F(VllmScoring, WholeVocabularyTopKIsExactAtEveryTau) {
  auto m = remote(512);  // stories260K's vocabulary: the server returns every token
  for (double tau : {0.6, 1.4}) {
    const auto req = pairs(*local_, tau);
    const auto want = local_->score(req);
    const auto got = m->score(req);
    for (size_t i = 0; i < req.size(); ++i) {
      EXPECT_NEAR(got[i].logprob, want[i].logprob, 1e-3 * std::max(1.0, std::abs(want[i].logprob))) << tau << " " << i;
      EXPECT_NEAR(got[i].dlogprob_dtau, want[i].dlogprob_dtau, 1e-3 * std::max(1.0, std::abs(want[i].dlogprob_dtau)))
          << tau << " " << i;
    }
  }
}

TEST_F(VllmScoring, FewTopKBoundsTemperedScores) {
  auto m = remote(3);
  const auto cold = pairs(*local_, 0.6), hot = pairs(*local_, 1.5);
  const auto want_cold = local_->score(cold), got_cold = m->score(cold);
  const auto want_hot = local_->score(hot), got_hot = m->score(hot);
  for (size_t i = 0; i + 1 < cold.size(); ++i) {
    EXPECT_LE(got_cold[i].logprob, want_cold[i].logprob + 1e-3) << i;
    EXPECT_GE(got_hot[i].logprob, want_hot[i].logprob - 1e-3) << i;
  }
}

TEST_F(VllmScoring, ChatApiCannotScore) {
  lm::ModelOptions o;
  o.http.endpoints = {fake_->url()};
  o.http.api = "chat";
  auto m = lm::open_model(o);
  EXPECT_THROW(m->score(pairs(*local_, 1.0)), Error);
}

TEST(VllmEchoScoring, EchoWithLogprobsIsUsedWhenPromptLogprobsIsRefused) {
  // A server with OpenAI's legacy echo + logprobs only: found at start-up and used.
  test::VllmFake echo_only(test::stories_model(), "stories-echo", /*prompt_logprobs=*/false);
  auto local = lm::load_llama(stories());
  lm::ModelOptions o;
  o.http.endpoints = {echo_only.url()};
  o.http.score_top_k = 5;
  o.llama.chat_template = "plain";
  auto m = lm::open_model(o, {.score = true});
  const auto req = pairs(*local, 1.0);
  const auto want = local->score(req);
  const auto got = m->score(req);
  for (size_t i = 0; i < req.size(); ++i) {
    EXPECT_EQ(got[i].n_tokens, want[i].n_tokens) << i;
    EXPECT_NEAR(got[i].logprob, want[i].logprob, 1e-3 * std::max(1.0, std::abs(want[i].logprob))) << i;
  }
}
