#include <gtest/gtest.h>

#include "mop/error.h"
#include "mop/metrics.h"

using mop::eval::macro_f1;

TEST(MacroF1, PerfectPredictionsScoreOne) {
  const std::vector<std::string> y = {"a", "b", "c", "a", "b"};
  EXPECT_DOUBLE_EQ(macro_f1(y, y), 1.0);
}

// a: TP 1, FP 1, FN 1 -> 0.5;  b: TP 2, FP 1, FN 0 -> 0.8;  c: TP 0, FN 1 -> 0.  Mean 1.3 / 3.
TEST(MacroF1, HandComputedCase) {
  EXPECT_NEAR(macro_f1({"a", "a", "b", "b", "c"}, {"a", "b", "b", "b", "a"}), 1.3 / 3, 1e-12);
}

// A label only ever predicted is a class too (scikit-learn's union): a -> 2/3, z -> 0.
TEST(MacroF1, PredictedOnlyLabelCounts) {
  EXPECT_NEAR(macro_f1({"a", "a"}, {"a", "z"}), 1.0 / 3, 1e-12);
}

TEST(MacroF1, RejectsBadInput) {
  EXPECT_THROW(macro_f1({}, {}), mop::Error);
  EXPECT_THROW(macro_f1({"a"}, {"a", "b"}), mop::Error);
}
