// The fit settings as config.json records them: a round trip keeps every setting, keys older runs
// lack take their defaults (pair_choice: the paper's rule, which those runs used), and a value of
// the wrong kind is an error naming its key. And the fit's collapse warning.
#include <gtest/gtest.h>

#include "mop/error.h"
#include "mop/fit_options.h"
#include "mop/trainer.h"

using mop::method::FitOptions;
using mop::method::fit_options_from_json;
using mop::method::fit_options_to_json;

TEST(FitOptionsJson, RoundTripKeepsEverySetting) {
  FitOptions o;
  o.n_exemplars = 77;
  o.top_m = 6;
  o.pair_choice = "top-m";
  o.guided_pairs = 2;
  o.guide_weight = 3.5;
  o.guide_gate_share = 0.2;
  o.epochs = 9;
  o.batch_size = 5;
  o.val_fraction = 0.3;
  o.max_val = 11;
  o.reference_pairs = 2;
  o.tau_tolerance = 0.1;
  o.domain = "news";
  o.seed = 1234567890123ull;
  o.no_exemplars = true;
  o.gate.dim_proj = 16;
  o.gate.tau_init = 0.7;
  o.gate.tau_min = 0.1;
  o.gate.tau_max = 3;
  o.gate.init_scale = 0.5;
  o.adam = {0.03, 0.8, 0.99, 1e-6, 0.01};
  const auto j = fit_options_to_json(o);
  EXPECT_EQ(fit_options_to_json(fit_options_from_json(j)), j);
  EXPECT_EQ(fit_options_from_json(j).gate.seed, o.seed);
}

TEST(FitOptionsJson, MissingKeysTakeTheirDefaultsAndOldRunsThePapersRule) {
  const auto o = fit_options_from_json(nlohmann::json::object());
  const FitOptions d;
  EXPECT_EQ(o.pair_choice, "top-m");  // a run from before pair choice was a setting
  EXPECT_EQ(o.top_m, d.top_m);
  EXPECT_EQ(o.gate.tau_init, d.gate.tau_init);
  EXPECT_EQ(o.adam.lr, d.adam.lr);
  EXPECT_EQ(fit_options_from_json(fit_options_to_json(d)).pair_choice, "guided");
}

TEST(FitOptionsJson, WrongTypesNameTheKey) {
  auto j = fit_options_to_json(FitOptions{});
  j["gate"]["tau_init"] = "hot";
  try {
    fit_options_from_json(j);
    FAIL() << "no error";
  } catch (const mop::Error& e) {
    EXPECT_NE(std::string(e.what()).find("gate.tau_init"), std::string::npos) << e.what();
  }
  EXPECT_THROW(fit_options_from_json(nlohmann::json::array()), mop::Error);
}

TEST(FitHealth, CollapseWarningNamesWhatToTry) {
  mop::method::EpochReport r;
  r.effective_personas = 1.3;
  FitOptions paper;
  paper.pair_choice = "top-m";
  const auto w = mop::method::collapse_warning(r, 8, paper);
  ASSERT_TRUE(w.has_value());
  EXPECT_NE(w->find("about 1.3 of 8 personas"), std::string::npos) << *w;
  EXPECT_NE(w->find("--pair-choice guided"), std::string::npos) << *w;
  const auto guided = mop::method::collapse_warning(r, 8, FitOptions{});
  ASSERT_TRUE(guided.has_value());
  EXPECT_EQ(guided->find("--pair-choice"), std::string::npos) << *guided;  // already the default
  EXPECT_FALSE(mop::method::collapse_warning(r, 4, paper).has_value());  // too few personas to call it a collapse
  r.effective_personas = 2.5;
  EXPECT_FALSE(mop::method::collapse_warning(r, 8, paper).has_value());
}
