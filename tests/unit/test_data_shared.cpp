// The shared data sets load with nothing but their path, with the counts and labels the shared
// README states (checked against the files when this test was written).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>

#include "test_data_util.h"

using namespace mop::data;

namespace {

std::filesystem::path shared(const std::string& rel) { return std::filesystem::path(MOP_SHARED_DIR) / "data" / rel; }

std::map<std::string, std::size_t> label_counts(const std::vector<Record>& records) {
  std::map<std::string, std::size_t> counts;
  for (const auto& r : records) ++counts[r.label.value_or("<none>")];
  return counts;
}

struct SharedFile {
  const char* rel;
  std::size_t count;
  std::map<std::string, std::size_t> labels;
  std::set<std::string> extra_keys;
};
void PrintTo(const SharedFile& f, std::ostream* os) { *os << f.rel; }

class DataShared : public ::testing::TestWithParam<SharedFile> {};

}  // namespace

TEST_P(DataShared, LoadsWithDefaults) {
  const SharedFile& f = GetParam();
  const auto result = load(shared(f.rel));
  EXPECT_EQ(result.records.size(), f.count);
  EXPECT_EQ(result.report.skipped, 0u);
  EXPECT_EQ(label_counts(result.records), f.labels);
  for (const auto& r : result.records) {
    ASSERT_FALSE(r.text.empty()) << r.id;
    std::set<std::string> keys;
    for (const auto& [k, v] : r.extra.items()) keys.insert(k);
    ASSERT_EQ(keys, f.extra_keys) << r.id;
  }
  EXPECT_EQ(result.records.front().id, "0");
  EXPECT_EQ(result.records.back().id, std::to_string(f.count - 1));
  EXPECT_EQ(result.records.back().line, f.count);
}

INSTANTIATE_TEST_SUITE_P(
    Files, DataShared,
    ::testing::Values(
        SharedFile{"agnews/train.jsonl", 8000, {{"business", 2000}, {"sci/tech", 2000}, {"sports", 2000}, {"world", 2000}}, {}},
        SharedFile{"agnews/test.jsonl", 7600, {{"business", 1900}, {"sci/tech", 1900}, {"sports", 1900}, {"world", 1900}}, {"title"}},
        SharedFile{"yelp/train.jsonl", 5000, {{"negative", 1185}, {"positive", 3815}}, {"category", "stars"}},
        SharedFile{"yelp/test.jsonl", 5000, {{"negative", 1141}, {"positive", 3859}}, {"category", "stars"}},
        SharedFile{"sst2/train.jsonl", 67349, {{"negative", 29780}, {"positive", 37569}}, {}},
        SharedFile{"sst2/test.jsonl", 1821, {{"negative", 912}, {"positive", 909}}, {}}));

TEST(DataSharedYelp, CategoryAsContextAndStarsAsLabel) {
  LoadOptions opt;
  opt.context_field = "category";
  opt.label_field = "stars";
  const auto r = load(shared("yelp/train.jsonl"), opt).records;
  ASSERT_EQ(r.size(), 5000u);
  EXPECT_EQ(r[0].context, "Restaurants");
  EXPECT_EQ(r[0].label, "5.0");
  EXPECT_EQ(r[0].extra, nlohmann::json({{"label", "positive"}}));
  std::set<std::string> stars;
  for (const auto& rec : r) stars.insert(*rec.label);
  EXPECT_EQ(stars, (std::set<std::string>{"1.0", "2.0", "3.0", "4.0", "5.0"}));
}
