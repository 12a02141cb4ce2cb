// PICLe's exemplar choice on a real model (stories260K): the kept candidates are the top K by
// log p(y | persona) - log p(y), each score computed on its own through the LM layer.
#include <gtest/gtest.h>

#include <algorithm>

#include "mop/baselines.h"
#include "mop/error.h"
#include "mop/lm_llama.h"
#include "support/paths.h"
#include "support/stories_lm.h"

using namespace mop;

namespace {

std::vector<data::Record> candidates() {
  const std::vector<std::string> texts = {
      "Once upon a time there was a little dog.", "the film is a dull , plodding mess", "Lily liked to play in the park.",
      "a gorgeous , witty , seductive movie", "The cat sat on the mat and slept.", "an ugly , pointless film",
      "Tom and his mom went to the shop.", "a masterpiece of quiet tension"};
  std::vector<data::Record> out;
  for (size_t i = 0; i < texts.size(); ++i) {
    data::Record r;
    r.id = std::to_string(i);
    r.text = texts[i];
    if (i % 3 == 0) r.context = "a story";  // contexts reach the scoring prompt
    out.push_back(r);
  }
  return out;
}

double direct_score(lm::LanguageModel& m, const std::string& persona, const data::Record& y) {
  const auto& domain = method::domain_by_name("movie");
  const std::string prompt = m.render(persona, method::generation_instruction(domain, {}, y.context));
  return m.score({{prompt, y.text, 1.0}})[0].logprob;
}

}  // namespace

TEST(BaselinePicle, KeepsTheTopKByLikelihoodRatio) {
  auto m = test::stories_lm();
  const std::vector<method::Persona> personas = {{0, "You are a little girl who loves animals.", 0, {}, {}},
                                                 {1, "You are a harsh film critic.", 0, {}, {}}};
  const auto pool = candidates();
  const int K = 3;
  const auto chosen = baselines::picle_select(*m, method::domain_by_name("movie"), personas, pool, K);
  ASSERT_EQ(chosen.size(), personas.size());
  for (size_t k = 0; k < personas.size(); ++k) {
    std::vector<double> ratio;
    for (const auto& y : pool) ratio.push_back(direct_score(*m, personas[k].text, y) - direct_score(*m, "", y));
    ASSERT_EQ(chosen[k].candidates.size(), static_cast<size_t>(K));
    std::vector<double> sorted = ratio;
    std::sort(sorted.rbegin(), sorted.rend());
    for (int i = 0; i < K; ++i) {
      const size_t j = chosen[k].candidates[i];
      EXPECT_NEAR(chosen[k].ratios[i], ratio[j], 1e-3) << "persona " << k << " candidate " << j;
      EXPECT_NEAR(ratio[j], sorted[i], 1e-3) << "persona " << k << ": rank " << i << " is not the " << i + 1 << "th best";
    }
  }
  // The two personas do not prefer the same examples (the choice depends on the persona).
  EXPECT_NE(chosen[0].candidates, chosen[1].candidates);
}

TEST(BaselinePicle, ShotsMustFitThePool) {
  auto m = test::stories_lm();
  const std::vector<method::Persona> personas = {{0, "You are a critic.", 0, {}, {}}};
  const auto pool = candidates();
  try {
    baselines::picle_select(*m, method::domain_by_name("movie"), personas, pool, 9);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--shots 9 is larger than the candidate pool (8 records)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(baselines::picle_select(*m, method::domain_by_name("movie"), personas, pool, 0), Error);
}

// A long candidate would overflow every prompt it is shown in: it is cut to the example budget,
// marked, and scored and shown cut; short ones stay whole, the sample is the same either way.
TEST(BaselinePicle, CandidatesAreCutToTheExampleBudget) {
  auto m = test::stories_lm();
  auto records = candidates();
  std::string long_text;
  while (long_text.size() < 3000) long_text += "the little dog ran to the park and played with the ball. ";
  records[4].text = long_text;
  baselines::PicleOptions po;
  po.pool = records.size();
  po.max_example_tokens = 32;
  size_t cut = 0;
  const auto pool = baselines::picle_candidates(*m, records, po, 7, &cut);
  EXPECT_EQ(cut, 1u);
  ASSERT_EQ(pool.size(), records.size());
  size_t seen_cut = 0;
  for (const auto& r : pool) {
    if (r.text.size() > 1000 || r.text.find(" [...]") != std::string::npos) {
      ++seen_cut;
      EXPECT_EQ(r.text.substr(r.text.size() - 6), " [...]");
      EXPECT_LE(m->count_tokens({r.text})[0], 32u);
      EXPECT_EQ(long_text.rfind(r.text.substr(0, r.text.size() - 6), 0), 0u) << "a cut keeps the text's start";
    }
  }
  EXPECT_EQ(seen_cut, 1u);
  po.max_example_tokens = 0;  // whole
  const auto whole = baselines::picle_candidates(*m, records, po, 7, &cut);
  EXPECT_EQ(cut, 0u);
  for (size_t i = 0; i < whole.size(); ++i) {
    EXPECT_EQ(whole[i].id, pool[i].id);  // the same seeded sample
    if (whole[i].text != long_text) EXPECT_EQ(whole[i].text, pool[i].text);
  }
  po.max_example_tokens = 8;
  EXPECT_THROW(baselines::picle_candidates(*m, records, po, 7), Error);
}
