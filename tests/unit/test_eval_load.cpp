// Loading sets for mop eval: labels kept only when complete, another label field, persona usage
// from provenance, and errors naming the file.
#include <gtest/gtest.h>

#include "mop/error.h"
#include "mop/evaluate.h"
#include "support/paths.h"

using mop::test::TempDir;

TEST(EvalLoad, PersonaUsageFromTopLevelOrProvenanceInNumericOrder) {
  TempDir dir;
  mop::test::write_file(dir.file("s.jsonl"),
                        "{\"text\": \"a\", \"label\": \"x\", \"persona_id\": 10}\n"
                        "{\"text\": \"b\", \"label\": \"y\", \"provenance\": {\"persona_id\": 2}}\n"
                        "{\"text\": \"c\", \"label\": \"x\", \"persona_id\": 2}\n"
                        "{\"text\": \"d\", \"label\": \"x\"}\n");
  const auto s = mop::eval::load_eval_set(dir.file("s.jsonl"));
  EXPECT_EQ(s.name, "s.jsonl");
  EXPECT_EQ(s.texts.size(), 4u);
  EXPECT_EQ(s.labels, (std::vector<std::string>{"x", "y", "x", "x"}));
  using Usage = std::vector<std::pair<std::string, std::size_t>>;
  EXPECT_EQ(s.persona_usage, (Usage{{"2", 2}, {"10", 1}, {"(none)", 1}}));
}

TEST(EvalLoad, IncompleteLabelsAreDroppedWithANote) {
  TempDir dir;
  mop::test::write_file(dir.file("s.jsonl"), "{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"b\"}\n");
  const auto s = mop::eval::load_eval_set(dir.file("s.jsonl"));
  EXPECT_TRUE(s.labels.empty());
  EXPECT_EQ(s.label_note, "1 of 2 rows lack the label field \"label\"");
  EXPECT_TRUE(s.persona_usage.empty());
}

TEST(EvalLoad, AnotherLabelFieldOptionalOrRequired) {
  TempDir dir;
  mop::test::write_file(dir.file("s.csv"), "text,stars,label\ngreat,5,positive\nbad,1,negative\n");
  mop::eval::SetLoadOptions o;
  o.label_field = "stars";
  EXPECT_EQ(mop::eval::load_eval_set(dir.file("s.csv"), o).labels, (std::vector<std::string>{"5", "1"}));
  mop::test::write_file(dir.file("t.jsonl"), "{\"text\": \"a\", \"stars\": 5}\n{\"text\": \"b\"}\n");
  o.require_labels = true;
  try {
    mop::eval::load_eval_set(dir.file("t.jsonl"), o);
    FAIL() << "a missing required label must be an error";
  } catch (const mop::Error& e) {
    EXPECT_NE(std::string(e.what()).find("t.jsonl:2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(mop::eval::load_eval_set(dir.file("missing.jsonl")), mop::Error);
}
