// The cost plan's counting (mop/cost_plan.h, mop/fit_plan.h): score()'s prefix sharing replayed
// on hand-made calls, a fit's planned requests and tokens against what the trainer really scores
// (its train_log), the table, and the probe on the shared story model.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>

#include "mop/cost_plan.h"
#include "mop/error.h"
#include "mop/fit_plan.h"
#include "mop/lm_llama.h"
#include "mop/run_dir.h"
#include "mop/trainer.h"
#include "support/paths.h"

using namespace mop;
using method::PlannedScore;

namespace {

size_t fed(const std::vector<PlannedScore>& r, int parallel, int ctx = 4096) { return method::fed_prompt_tokens(r, {parallel, ctx}); }

}  // namespace

TEST(CostPlanFed, OnePromptIsFedOnceMinusItsLastToken) {
  // score() keeps the prompt minus its last token in sequence 0; that token goes with each continuation.
  EXPECT_EQ(fed({{"aaaabbbb", 8, 3}, {"aaaabbbb", 8, 5}, {"aaaabbbb", 8, 2}}, 8), 7u);
}

TEST(CostPlanFed, ASharedPrefixIsFedOnce) {
  // Half the characters shared: half the tokens; the second prompt feeds only its own tail.
  EXPECT_EQ(fed({{"aaaabbbb", 8, 3}, {"aaaacccc", 8, 3}}, 8), 7u + 3u);
  // Order of the requests does not matter: prompts are visited in lexicographic order.
  EXPECT_EQ(fed({{"aaaacccc", 8, 3}, {"aaaabbbb", 8, 3}}, 8), 7u + 3u);
  EXPECT_EQ(fed({{"aaaabbbb", 8, 3}, {"zzzzzzzz", 8, 3}}, 8), 14u);
}

TEST(CostPlanFed, ARoundThatMovedBetweenPromptsStartsAfresh) {
  // parallel 2: A's continuation and B's first fill the round (sequence 0 moved from A to B, leaving
  // A's tail held by A's copy); B's second continuation flushes it, and score() clears the cache
  // and feeds B whole again.
  EXPECT_EQ(fed({{"aaaabbbb", 8, 3}, {"aaaacccc", 8, 3}, {"aaaacccc", 8, 3}}, 2), 7u + 3u + 7u);
  // A round that never moved keeps its prompt: no second feed.
  EXPECT_EQ(fed({{"aaaabbbb", 8, 3}, {"aaaabbbb", 8, 3}, {"aaaabbbb", 8, 3}}, 2), 7u);
  // The KV cells bound a round as the parallel sequences do: ctx 12 holds the prompt (7) and one
  // continuation of 3, so B's continuation starts a round of its own; no round moved, so the shared
  // prefix stays and B feeds only its tail.
  EXPECT_EQ(fed({{"aaaabbbb", 8, 3}, {"aaaacccc", 8, 3}}, 8, 12), 7u + 3u);
}

TEST(CostPlanFed, InStreamsNoRoundStartsAfresh) {
  // The prompt's stream is never cleared: B's second round feeds nothing more.
  const std::vector<PlannedScore> calls = {{"aaaabbbb", 8, 3}, {"aaaacccc", 8, 3}, {"aaaacccc", 8, 3}};
  EXPECT_EQ(method::fed_prompt_tokens(calls, {2, 4096, true}), 7u + 3u);
  EXPECT_EQ(method::fed_prompt_tokens(calls, {2, 4096, false}), 7u + 3u + 7u);
}

TEST(CostPlanWork, SumsAndTimeAreTheRatesTimesTheTokens) {
  method::LmWork w;
  method::add_score_call(w, {{"aaaabbbb", 8, 3}, {"aaaacccc", 8, 4}}, {8, 4096});
  EXPECT_EQ(w.score_requests, 2u);
  EXPECT_EQ(w.score_prompt_tokens, 16u);
  EXPECT_EQ(w.score_prompt_fed, 10u);
  EXPECT_EQ(w.score_continuation_tokens, 7u);
  w.generate_requests = 2;
  w.generate_prompt_tokens = 20;
  w.generate_max_tokens = 64;
  method::LmRates r;
  r.known = true;
  r.prompt_s = 0.01;
  r.continuation_s = 0.1;
  r.generate_s = 1;
  EXPECT_NEAR(method::estimate_seconds(w, r), (10 + 20) * 0.01 + 7 * 0.1 + 64 * 1.0, 1e-12);
}

namespace {

// Words as tokens; scores that depend on the pair, so the gate learns and tau moves.
class WordLm : public lm::LanguageModel {
 public:
  std::string id() const override { return "word-lm"; }
  std::string render(const std::vector<lm::ChatMessage>& messages) const override {
    std::string s;
    for (const auto& m : messages) s += m.role + ": " + m.content + "\n";
    return s;
  }
  std::vector<lm::Score> score(const std::vector<lm::ScoreRequest>& requests, const lm::Progress&) override {
    std::vector<lm::Score> out;
    for (const auto& r : requests) {
      const int n = static_cast<int>(words(r.continuation));
      const double affinity = static_cast<double>(std::hash<std::string>{}(r.prompt + r.continuation) % 97) / 97.0;
      out.push_back({-n * (1.0 + affinity) / r.tau, n * (1.0 + affinity) / (r.tau * r.tau), n});
    }
    return out;
  }
  std::vector<lm::Generation> generate(const std::vector<lm::GenerateRequest>&, const lm::Progress&) override {
    throw Error("word-lm does not generate");
  }
  std::vector<size_t> count_tokens(const std::vector<std::string>& texts) override {
    std::vector<size_t> out;
    for (const auto& t : texts) out.push_back(words(t));
    return out;
  }

 private:
  static size_t words(const std::string& t) {
    size_t n = 0;
    bool in = false;
    for (char c : t) {
      const bool space = c == ' ' || c == '\n' || c == '\t';
      if (!space && !in) ++n;
      in = !space;
    }
    return n;
  }
};

class HashEncoder : public embed::Encoder {
 public:
  std::string id() const override { return "hash-encoder"; }
  int dim() const override { return 8; }
  embed::Matrix encode(const std::vector<std::string>& texts) override {
    embed::Matrix m(static_cast<Eigen::Index>(texts.size()), 8);
    for (size_t i = 0; i < texts.size(); ++i) {
      size_t h = std::hash<std::string>{}(texts[i]);
      for (int d = 0; d < 8; ++d, h /= 7) m(static_cast<Eigen::Index>(i), d) = static_cast<float>(h % 7) - 3.0f + 0.5f;
      m.row(static_cast<Eigen::Index>(i)).normalize();
    }
    return m;
  }
};

std::vector<data::Record> records(size_t n) {
  std::vector<data::Record> out;
  for (size_t i = 0; i < n; ++i) {
    data::Record r;
    r.id = std::to_string(i);
    for (size_t w = 0; w < 3 + i % 7; ++w) r.text += (w ? " " : "") + std::string("w") + std::to_string(i * 10 + w);
    out.push_back(r);
  }
  return out;
}

std::vector<method::Persona> personas(int k) {
  std::vector<method::Persona> out;
  for (int i = 0; i < k; ++i) out.push_back({i, "You are writer number " + std::to_string(i) + ".", 0, {}, std::nullopt});
  return out;
}

method::FitOptions tiny_options(const std::string& pair_choice) {
  method::FitOptions o;
  o.n_exemplars = 6;
  o.top_m = 3;
  o.pair_choice = pair_choice;
  o.epochs = 2;
  o.batch_size = 5;
  o.val_fraction = 0.1;
  o.reference_pairs = 2;
  o.tau_tolerance = 0;  // every move of tau misses the cache: later epochs score again
  return o;
}

// The fit's train_log, per epoch: (lm_pairs, lm_tokens).
std::vector<std::pair<size_t, size_t>> fit_for_real(const std::vector<data::Record>& recs, const method::FitOptions& o,
                                                    const test::TempDir& dir) {
  WordLm lm;
  method::FitInputs in;
  in.records = recs;
  in.personas = personas(3);
  in.encoder = std::make_shared<HashEncoder>();
  in.lm = &lm;
  const method::RunDir run(dir.path() / "run");
  method::fit(run, in, o);
  std::vector<std::pair<size_t, size_t>> out;
  for (const auto& line : run.read_log()) out.emplace_back(line.at("lm_pairs").get<size_t>(), line.at("lm_tokens").get<size_t>());
  return out;
}

method::FitPlan plan(const std::vector<data::Record>& recs, const method::FitOptions& o, lm::LanguageModel& lm) {
  method::FitPlanInputs in;
  in.records = recs;
  in.personas = personas(3);
  in.lm = &lm;
  in.options = o;
  in.shape = {8, 4096};
  return method::plan_fit(in);
}

}  // namespace

TEST(FitPlan, CountsWhatTheTrainerScoresWithThePapersRule) {
  // With the paper's rule every record scores exactly M pairs: the plan's first epoch is exact
  // (27 training records x 3 + 3 held out x (3 + 2 x 2 references)), and so are the tokens.
  const auto recs = records(30);
  const auto o = tiny_options("top-m");
  WordLm lm;
  const auto p = plan(recs, o, lm);
  ASSERT_EQ(p.epochs.size(), 2u);
  EXPECT_EQ(p.train, 27u);
  EXPECT_EQ(p.val, 3u);
  EXPECT_EQ(p.epochs[0].score_requests, 27u * 3 + 3u * (3 + 4));
  EXPECT_EQ(p.epochs[1].score_requests, 27u * 3 + 3u * 3);  // the references are cached at tau_init
  test::TempDir dir;
  const auto real = fit_for_real(recs, o, dir);
  ASSERT_EQ(real.size(), 2u);
  EXPECT_EQ(real[0].first, p.epochs[0].score_requests);
  EXPECT_EQ(real[0].second, p.epochs[0].score_continuation_tokens);
  // Later epochs: an upper bound (scores reused where tau did not move).
  EXPECT_LE(real[1].first, p.epochs[1].score_requests);
  EXPECT_LE(real[1].second, p.epochs[1].score_continuation_tokens);
  EXPECT_GT(p.epochs[0].score_prompt_tokens, p.epochs[0].score_prompt_fed);
  EXPECT_GT(p.epochs[0].score_prompt_fed, 0u);
  EXPECT_EQ(p.exemplars.size(), 6u);
}

TEST(FitPlan, GuidedPairsAreAnUpperBoundOfWhatIsScored) {
  // Guided draws that repeat a pair are scored once, so the plan's M per record bounds the real count.
  const auto recs = records(30);
  const auto o = tiny_options("guided");
  WordLm lm;
  const auto p = plan(recs, o, lm);
  test::TempDir dir;
  const auto real = fit_for_real(recs, o, dir);
  ASSERT_EQ(real.size(), 2u);
  for (size_t e = 0; e < 2; ++e) {
    EXPECT_LE(real[e].first, p.epochs[e].score_requests) << "epoch " << e + 1;
    EXPECT_LE(real[e].second, p.epochs[e].score_continuation_tokens) << "epoch " << e + 1;
  }
  // Not a loose bound in the first epoch: repeats are a minority.
  EXPECT_GE(real[0].first * 10, p.epochs[0].score_requests * 8);
}

TEST(FitPlan, TokenBudgetsApplyToTheCountedResponses) {
  auto recs = records(30);
  recs[4].text.clear();
  for (int w = 0; w < 40; ++w) recs[4].text += "long" + std::to_string(w) + " ";  // 40 words, over a budget of 16
  recs[4].text.pop_back();
  auto o = tiny_options("top-m");
  o.epochs = 1;
  o.max_response_tokens = 16;
  WordLm lm;
  o.long_responses = "skip";
  const auto skipped = plan(recs, o, lm);
  EXPECT_EQ(skipped.responses_skipped, 1u);
  EXPECT_EQ(skipped.train + skipped.val, 29u);
  o.long_responses = "cut";
  const auto cut = plan(recs, o, lm);
  EXPECT_EQ(cut.responses_cut, 1u);
  EXPECT_EQ(cut.train + cut.val, 30u);
  size_t longest = 0;
  for (const auto& r : cut.responses) longest = std::max(longest, lm.count_tokens({r}).front());
  EXPECT_LE(longest, 16u);
}

TEST(FitPlan, RefusesWhatFitRefuses) {
  WordLm lm;
  auto o = tiny_options("top-m");
  o.n_exemplars = 100;
  EXPECT_THROW(plan(records(30), o, lm), Error);
  o = tiny_options("top-m");
  o.top_m = 0;
  EXPECT_THROW(plan(records(30), o, lm), Error);
  EXPECT_THROW(plan(records(2), tiny_options("top-m"), lm), Error);
}

TEST(CostPlanTable, NamesEveryStepAndSaysUnknownWithoutRates) {
  std::vector<method::PlannedStep> steps(3);
  steps[0].name = "fit x epoch 1";
  steps[0].model = "served";
  steps[0].work.score_requests = 12345;
  steps[0].notes = {"a note"};
  steps[1].name = "set y";
  steps[1].model = "served";
  steps[1].work.generate_requests = 7;
  steps[1].status = "done (skipped)";
  steps[2].name = "evaluate";
  std::map<std::string, method::LmRates> rates;
  rates["served"].why_unknown = "an endpoint";
  method::fill_seconds(steps, rates);
  const std::string t = method::plan_table(steps, rates);
  for (const char* s : {"fit x epoch 1", "set y", "evaluate", "12,345", "unknown", "done (skipped)", "a note", "an endpoint"})
    EXPECT_NE(t.find(s), std::string::npos) << s << "\n" << t;
  const auto j = method::plan_json(steps, rates);
  EXPECT_TRUE(j["total"]["seconds"].is_null());
  EXPECT_EQ(j["total"]["score"]["requests"], 12345);  // the done step is not in the total
  EXPECT_EQ(j["total"]["generate"]["requests"], 0);
  EXPECT_FALSE(j["rates"]["served"]["known"].get<bool>());
}

TEST(CostPlanProbe, MeasuresEveryRateOnARealModel) {
  lm::LlamaOptions o;
  o.model = test::stories_model();
  o.n_parallel = 4;
  o.n_threads = 1;
  auto lm = lm::load_llama(o);
  method::ProbeSample s;
  s.score_prompts = {"Once upon a time there was a cat.", "Once upon a time there was a dog.", "The sun was hot."};
  s.continuations = {" It liked to play in the park with its friends.", " They went home."};
  s.generate_prompt = "Once upon a time";
  s.max_tokens = 8;
  const auto r = method::probe_rates(*lm, s, {4, 4096});
  EXPECT_TRUE(r.known);
  EXPECT_GT(r.prompt_s, 0);
  EXPECT_GT(r.continuation_s, 0);
  EXPECT_GT(r.generate_s, 0);
  EXPECT_THROW(method::probe_rates(*lm, method::ProbeSample{}, {4, 4096}), Error);
  // Without a generation prompt (a fit's plan) only scoring is timed.
  s.generate_prompt.clear();
  const auto scoring = method::probe_rates(*lm, s, {4, 4096});
  EXPECT_TRUE(scoring.known);
  EXPECT_GT(scoring.prompt_s, 0);
  EXPECT_EQ(scoring.generate_s, 0);
}
