// ProGen's pieces without a language model: --class parsing, the round split, and the choice of
// the most helpful samples per label (fed by the influence estimate on a planted mislabeled row).
#include <gtest/gtest.h>

#include <algorithm>

#include "mop/baselines.h"
#include "mop/error.h"
#include "mop/influence.h"
#include "test_metrics_gen.h"

using namespace mop;

TEST(BaselineProgen, ParsesLabelEqualsCondition) {
  const auto c = gen::parse_label_condition("positive=You liked it = a lot.");
  EXPECT_EQ(c.label, "positive");
  EXPECT_EQ(c.condition, "You liked it = a lot.") << "split at the first '='";
  for (const char* bad : {"positive", "=You liked it.", "positive=", ""}) {
    try {
      gen::parse_label_condition(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("--class '" + std::string(bad) + "': expected LABEL=CONDITION"), std::string::npos)
          << e.what();
    }
  }
}

TEST(BaselineProgen, RoundsSplitTheSamplesContiguously) {
  EXPECT_EQ(baselines::progen_round_start(10, 4, 0), 0u);
  EXPECT_EQ(baselines::progen_round_start(10, 4, 1), 2u);
  EXPECT_EQ(baselines::progen_round_start(10, 4, 2), 5u);
  EXPECT_EQ(baselines::progen_round_start(10, 4, 3), 7u);
  EXPECT_EQ(baselines::progen_round_start(10, 4, 4), 10u);
  EXPECT_EQ(baselines::progen_round_start(3, 1, 1), 3u);
}

TEST(BaselineProgen, MostHelpfulIsPerLabelBestFirstTiesToTheEarlierRow) {
  const std::vector<double> h = {0.5, -1.0, 2.0, 0.5, 3.0, 0.1};
  const std::vector<std::string> rows = {"a", "b", "a", "a", "b", "b"};
  const auto best = baselines::most_helpful(h, rows, {"b", "a", "c"}, 2);
  ASSERT_EQ(best.size(), 3u);
  EXPECT_EQ(best[0], (std::vector<size_t>{4, 5}));
  EXPECT_EQ(best[1], (std::vector<size_t>{2, 0})) << "rows 0 and 3 tie; the earlier wins";
  EXPECT_TRUE(best[2].empty());
}

// The selection ProGen feeds back leaves out a planted mislabeled sample (a "positive" point
// labelled "negative") while keeping every other row of that label.
TEST(BaselineProgen, SelectionSkipsAMislabeledSample) {
  const long per_class = 10, d = 5, flip = 15;
  embed::Matrix x(2 * per_class, d);
  x.topRows(per_class) = eval::testing::gaussian_rows(per_class, d, 31, 0.7f, -1.2f, 0);
  x.bottomRows(per_class) = eval::testing::gaussian_rows(per_class, d, 32, 0.7f, 1.2f, 0);
  std::vector<std::string> labels(per_class, "negative");
  labels.insert(labels.end(), per_class, "positive");
  labels[flip] = "negative";
  const auto scored = eval::helpfulness(x, labels);
  const auto best = baselines::most_helpful(scored.helpfulness, labels, {"negative", "positive"}, per_class);
  ASSERT_EQ(best[0].size(), static_cast<size_t>(per_class));  // all 11 "negative" rows but one
  EXPECT_EQ(std::find(best[0].begin(), best[0].end(), static_cast<size_t>(flip)), best[0].end())
      << "the mislabeled row is among the " << per_class << " most helpful 'negative' rows";
  EXPECT_EQ(best[1].size(), static_cast<size_t>(per_class - 1));
}
