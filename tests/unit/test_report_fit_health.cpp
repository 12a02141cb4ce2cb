// fit_health (mop/eval_run.h): the gates behind synthetic sets, read from their run folders.
#include <gtest/gtest.h>

#include <fstream>

#include "mop/eval_run.h"
#include "support/paths.h"

TEST(FitHealth, ReadsTheLastEpochAndFlagsACollapsedGate) {
  mop::test::TempDir dir;
  const std::string run = dir.file("run");
  std::filesystem::create_directories(run);
  {
    std::ofstream p(run + "/personas.jsonl");
    for (int i = 0; i < 8; ++i) p << "{\"id\":" << i << "}\n";
    std::ofstream log(run + "/train_log.jsonl");
    log << "{\"epoch\":0,\"effective_personas\":5.0,\"tau_min\":0.6,\"tau_max\":0.6}\n"
        << "{\"epoch\":1,\"effective_personas\":1.4,\"exemplars_per_persona\":3.5,\"tau_min\":0.4,\"tau_max\":0.9,"
           "\"one_persona_share\":0.97,\"val_ll\":-12.5}\n";
  }
  mop::eval::EvalSet a, b;
  a.name = "a";
  a.runs = {run, dir.file("gone")};
  b.name = "b";  // no run named: no row
  const auto rows = mop::eval::fit_health({a, b});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["set"], "a");
  EXPECT_EQ(rows[0]["epoch"], 1);
  EXPECT_EQ(rows[0]["personas"], 8);
  EXPECT_DOUBLE_EQ(rows[0]["effective_personas"].get<double>(), 1.4);
  EXPECT_DOUBLE_EQ(rows[0]["one_persona_share"].get<double>(), 0.97);
  EXPECT_EQ(rows[0]["collapsed"], true);
  EXPECT_TRUE(rows[1].contains("note"));
  EXPECT_FALSE(rows[1].contains("effective_personas"));

  // Seven personas: too few to call a collapse.
  {
    std::ofstream p(run + "/personas.jsonl");
    for (int i = 0; i < 7; ++i) p << "{\"id\":" << i << "}\n";
  }
  EXPECT_EQ(mop::eval::fit_health({a})[0]["collapsed"], false);
}
