// The texts sent to the LM: MoP's generation prompt, the persona-synthesis prompt, and the
// cleaning of the model's persona replies.
#include <gtest/gtest.h>

#include "mop/error.h"
#include "mop/prompts.h"

using namespace mop::method;

TEST(Prompts, GenerationWithOneExemplarAndContext) {
  const auto& d = domain_by_name("restaurant");
  EXPECT_EQ(generation_instruction(d, {{"Great tacos.", std::string("Mexican")}}, std::string("Thai"), "You had a bad time."),
            "Here is an example of a restaurant review you wrote about Mexican:\nGreat tacos.\n\n"
            "Write a new restaurant review about Thai. You had a bad time. Reply with the restaurant review only.");
}

TEST(Prompts, GenerationWithoutExemplarOrContext) {
  EXPECT_EQ(generation_instruction(domain_by_name("movie"), {}, std::nullopt),
            "Write a new movie review. Reply with the movie review only.");
}

TEST(Prompts, GenerationWithSeveralExemplarsNumbersThem) {
  const auto s = generation_instruction(domain_by_name("news"), {{"A", std::nullopt}, {"B", std::string("sports")}}, std::nullopt);
  EXPECT_NE(s.find("Here are examples of news articles you wrote:\n1. A\n2. (sports) B\n"), std::string::npos) << s;
}

TEST(Prompts, SummarizationFillsExamplesAndNoun) {
  const auto& d = domain_by_name("movie");
  const auto s = summarization_instruction(d.summarize, d, {{"Loved it.\nReally.", std::nullopt}, {std::string(500, 'x'), std::nullopt}}, 20);
  EXPECT_NE(s.find("- Loved it. Really.\n- xxxxxxxxxxxxxxxxxxxx...\n"), std::string::npos) << s;
  EXPECT_NE(s.find("movie reviews"), std::string::npos);
  EXPECT_THROW(summarization_instruction("no placeholder", d, {}), mop::Error);
}

TEST(Prompts, UnknownDomainNamesTheChoices) {
  try {
    domain_by_name("poetry");
    FAIL();
  } catch (const mop::Error& e) {
    EXPECT_NE(std::string(e.what()).find("news, restaurant, movie, generic"), std::string::npos) << e.what();
  }
}

TEST(Prompts, CleanPersona) {
  EXPECT_EQ(clean_persona("Sure! Here is a description:\nYou are a grumpy critic who hates sequels. You also like tea."),
            "You are a grumpy critic who hates sequels.");
  EXPECT_EQ(clean_persona("\"A cheerful parent who loves family films\""), "You are a cheerful parent who loves family films.");
  EXPECT_EQ(clean_persona("  you are terse  "), "You are terse.");
  EXPECT_EQ(clean_persona("**You are a sports fan.**\n\nMore text."), "You are a sports fan.");
  EXPECT_EQ(clean_persona(" \n "), "");
}
