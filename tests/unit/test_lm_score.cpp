// Scoring on a real model (stories260K): against a naive computation, with and without shared
// prefixes, and the temperature derivative against finite differences.
#include <gtest/gtest.h>

#include <cmath>

#include "llama.h"
#include "lm/llama_model.h"
#include "mop/error.h"
#include "support/paths.h"

using namespace mop::lm;

namespace {

LlamaOptions stories_options() {
  LlamaOptions o;
  o.model = mop::test::stories_model();
  o.n_threads = 1;
  o.n_ctx = 2048;
  return o;
}

// Straight from the definition: decode prompt + continuation as one sequence in a fresh context,
// then sum log softmax(logits / tau) over the continuation tokens, in long double.
double naive_logprob(LlamaModel& m, const std::string& prompt, const std::string& cont, double tau) {
  const Tokens p = m.tokenize_prompt(prompt), c = m.tokenize_text(cont);
  Tokens all = p;
  all.insert(all.end(), c.begin(), c.end());
  llama_model* model = llama_model_load_from_file(mop::test::stories_model().c_str(), llama_model_default_params());
  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = 512;
  cp.n_batch = 512;
  cp.n_threads = 1;
  llama_context* ctx = llama_init_from_model(model, cp);
  llama_batch b = llama_batch_init(static_cast<int>(all.size()), 0, 1);
  for (size_t i = 0; i < all.size(); ++i) {
    b.token[i] = all[i];
    b.pos[i] = static_cast<llama_pos>(i);
    b.n_seq_id[i] = 1;
    b.seq_id[i][0] = 0;
    b.logits[i] = 1;
  }
  b.n_tokens = static_cast<int>(all.size());
  EXPECT_EQ(llama_decode(ctx, b), 0);
  long double total = 0;
  for (size_t t = 0; t < c.size(); ++t) {
    const float* z = llama_get_logits_ith(ctx, static_cast<int>(p.size() + t - 1));
    long double s = 0;
    for (int v = 0; v < m.n_vocab(); ++v) s += std::exp(static_cast<long double>(z[v]) / tau);
    total += static_cast<long double>(z[c[t]]) / tau - std::log(s);
  }
  llama_batch_free(b);
  llama_free(ctx);
  llama_model_free(model);
  return static_cast<double>(total);
}

class LmScore : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { model_ = new LlamaModel(stories_options()); }
  static void TearDownTestSuite() { delete model_; }
  static LlamaModel* model_;
};
LlamaModel* LmScore::model_ = nullptr;

}  // namespace

TEST_F(LmScore, EqualsNaiveComputation) {
  const std::vector<ScoreRequest> reqs = {
      {"Once upon a time, there was a little girl named Lily.", " She liked to play in the park.", 1.0},
      {"Once upon a time, there was a little girl named Lily.", " The dog was happy.", 0.6},
      {"Tom had a big red ball.", " He threw it to his friend.", 1.4},
  };
  const auto got = model_->score(reqs, {});
  for (size_t i = 0; i < reqs.size(); ++i) {
    const double want = naive_logprob(*model_, reqs[i].prompt, reqs[i].continuation, reqs[i].tau);
    EXPECT_NEAR(got[i].logprob, want, 1e-3 * std::max(1.0, std::abs(want))) << i;
    EXPECT_EQ(got[i].n_tokens, static_cast<int>(model_->tokenize_text(reqs[i].continuation).size()));
    EXPECT_LT(got[i].logprob, 0.0);
  }
}

// Shared prefixes, batch shapes, slots and threads give bit-identical scores: test_lm_invariance.cpp.

TEST_F(LmScore, TemperatureDerivativeMatchesFiniteDifference) {
  for (double tau : {0.4, 0.6, 1.0, 1.5}) {
    ScoreRequest r{"Once upon a time, there was a little boy.", " He had a toy car that he loved very much.", tau};
    const double h = 1e-3;
    ScoreRequest up = r, down = r;
    up.tau += h;
    down.tau -= h;
    const auto s = model_->score({r, up, down}, {});
    const double fd = (s[1].logprob - s[2].logprob) / (2 * h);
    EXPECT_NEAR(s[0].dlogprob_dtau, fd, 2e-3 * std::max(1.0, std::abs(fd))) << tau;
  }
}

TEST_F(LmScore, EmptyContinuationScoresZero) {
  const auto s = model_->score({{"Once upon a time", "", 1.0}}, {});
  EXPECT_EQ(s[0].n_tokens, 0);
  EXPECT_EQ(s[0].logprob, 0.0);
}

TEST_F(LmScore, TooLongForTheContextIsAClearError) {
  std::string longer;
  for (int i = 0; i < 400; ++i) longer += " the cat sat on the mat.";
  try {
    model_->score({{"Once upon a time", longer, 1.0}}, {});
    FAIL() << "expected an error";
  } catch (const mop::Error& e) {
    EXPECT_NE(std::string(e.what()).find("exceed the context"), std::string::npos) << e.what();
  }
}

TEST_F(LmScore, BadTemperatureIsAClearError) {
  EXPECT_THROW(model_->score({{"a", "b", 0.0}}, {}), mop::Error);
  EXPECT_THROW(model_->score({{"a", "b", -1.0}}, {}), mop::Error);
}
