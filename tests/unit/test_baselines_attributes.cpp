// AttrPrompt's attribute sets: the built-in ones, a user's file (and its errors), the seeded draw
// and the prompt that carries it.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "mop/baselines.h"
#include "mop/error.h"
#include "support/paths.h"

using namespace mop::baselines;

namespace {

std::vector<std::string> names_of(const AttributeSet& set) {
  std::vector<std::string> out;
  for (const auto& a : set) out.push_back(a.name);
  return out;
}

std::string error_of(const std::string& path) {
  try {
    read_attributes(path);
  } catch (const mop::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(BaselineAttributes, EveryDomainHasItsSet) {
  using V = std::vector<std::string>;
  EXPECT_EQ(names_of(domain_attributes("news")), (V{"subtopic", "length", "style", "location"}));
  EXPECT_EQ(names_of(domain_attributes("movie")), (V{"genre", "subtopic", "length", "style"}));
  EXPECT_EQ(names_of(domain_attributes("restaurant")), (V{"cuisine", "subtopic", "length", "style"}));
  EXPECT_EQ(names_of(domain_attributes("generic")), (V{"subtopic", "length", "style"}));
  for (const auto& d : mop::method::domain_names())
    for (const auto& a : domain_attributes(d)) {
      EXPECT_GE(a.values.size(), 6u) << d << " " << a.name;
      EXPECT_LE(a.values.size(), 10u) << d << " " << a.name;
      EXPECT_EQ(std::set<std::string>(a.values.begin(), a.values.end()).size(), a.values.size()) << "duplicates";
    }
  EXPECT_THROW(domain_attributes("poetry"), mop::Error);
}

TEST(BaselineAttributes, DrawIsSeededPerSampleAndFromTheSet) {
  const auto& set = domain_attributes("restaurant");
  std::set<std::string> cuisines;
  for (size_t i = 0; i < 200; ++i) {
    const auto drawn = draw_attributes(set, 7, i);
    EXPECT_EQ(drawn, draw_attributes(set, 7, i));
    ASSERT_EQ(drawn.size(), set.size());
    for (size_t a = 0; a < set.size(); ++a) {
      EXPECT_EQ(drawn[a].first, set[a].name);
      const auto& values = set[a].values;
      EXPECT_NE(std::find(values.begin(), values.end(), drawn[a].second), values.end()) << drawn[a].second;
    }
    cuisines.insert(drawn[0].second);
  }
  EXPECT_EQ(cuisines.size(), set[0].values.size()) << "200 draws reach every cuisine";
  int differ = 0;
  for (size_t i = 0; i < 20; ++i) differ += draw_attributes(set, 7, i) != draw_attributes(set, 8, i);
  EXPECT_GT(differ, 10) << "another seed, other draws";
}

TEST(BaselineAttributes, InstructionListsTheDrawnValues) {
  const auto& movie = mop::method::domain_by_name("movie");
  const DrawnAttributes drawn = {{"genre", "horror"}, {"style", "sarcastic"}};
  EXPECT_EQ(attrprompt_instruction(movie, drawn, std::string("Alien"), "You had a positive impression."),
            "Write a new movie review about Alien with these attributes:\n- genre: horror\n- style: sarcastic\n"
            "You had a positive impression. Reply with the movie review only.");
  EXPECT_EQ(attrprompt_instruction(movie, drawn, std::nullopt, ""),
            "Write a new movie review with these attributes:\n- genre: horror\n- style: sarcastic\n"
            "Reply with the movie review only.");
}

TEST(BaselineAttributes, UserFileKeepsItsOrder) {
  mop::test::TempDir dir;
  const auto path = dir.file("attrs.json");
  mop::test::write_file(path, R"({"tone": ["dry", "warm"], "audience": ["kids"], "era": ["1920s", "today"]})");
  const auto set = read_attributes(path);
  ASSERT_EQ(names_of(set), (std::vector<std::string>{"tone", "audience", "era"}));
  EXPECT_EQ(set[0].values, (std::vector<std::string>{"dry", "warm"}));
}

TEST(BaselineAttributes, BadUserFilesNameFileAndKey) {
  mop::test::TempDir dir;
  const auto path = dir.file("attrs.json");
  mop::test::write_file(path, R"({"tone": ["dry"], "length": [12, "long"]})");
  std::string e = error_of(path);
  EXPECT_NE(e.find(path), std::string::npos) << e;
  EXPECT_NE(e.find("attribute \"length\""), std::string::npos) << e;
  mop::test::write_file(path, R"({"tone": []})");
  e = error_of(path);
  EXPECT_NE(e.find("attribute \"tone\": expected a non-empty list"), std::string::npos) << e;
  mop::test::write_file(path, R"(["tone"])");
  EXPECT_NE(error_of(path).find("expected a JSON object"), std::string::npos);
  mop::test::write_file(path, R"({"tone": ["dry")");
  EXPECT_NE(error_of(path).find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of(dir.file("missing.json")).find("cannot open attribute file"), std::string::npos);
}
