// Contexts x over their token budget are cut before a generator sees them (gen::budget_contexts):
// at a word boundary, marked, within the budget; short contexts and a budget of 0 leave them whole.
#include <gtest/gtest.h>

#include "mop/error.h"
#include "mop/generator.h"
#include "support/paths.h"
#include "support/stories_lm.h"

using namespace mop;

namespace {

std::string article(size_t chars) {
  std::string s;
  while (s.size() < chars) s += "the town had a big fair with music and games for everyone. ";
  return s;
}

}  // namespace

TEST(ContextBudget, LongContextsAreCutShortOnesKept) {
  auto m = test::stories_lm();
  gen::GenerationOptions o;
  o.contexts = {"a small town", article(4000), "a rainy day", article(4000)};
  o.max_context_tokens = 40;
  EXPECT_EQ(gen::budget_contexts(*m, o), 2u);
  EXPECT_EQ(o.contexts[0], "a small town");
  EXPECT_EQ(o.contexts[2], "a rainy day");
  for (size_t i : {1u, 3u}) {
    const std::string& c = o.contexts[i];
    ASSERT_GT(c.size(), 6u);
    EXPECT_EQ(c.substr(c.size() - 6), " [...]");
    EXPECT_LE(m->count_tokens({c})[0], 40u);
    EXPECT_EQ(article(4000).rfind(c.substr(0, c.size() - 6), 0), 0u);
  }
  EXPECT_EQ(o.contexts[1], o.contexts[3]);  // equal contexts stay equal

  gen::GenerationOptions whole;
  whole.contexts = {article(4000)};
  whole.max_context_tokens = 0;
  EXPECT_EQ(gen::budget_contexts(*m, whole), 0u);
  EXPECT_EQ(whole.contexts[0], article(4000));

  gen::GenerationOptions tiny;
  tiny.contexts = {"x"};
  tiny.max_context_tokens = 5;
  EXPECT_THROW(gen::budget_contexts(*m, tiny), Error);
}
