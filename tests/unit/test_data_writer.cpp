#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "test_data_util.h"

using namespace mop::data;
using mop::data::testing::TempDir;

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST(DataWriter, WritesRoleFieldsFirstThenExtras) {
  TempDir dir;
  Record r;
  r.id = "p3-17";
  r.text = "Line one\n\"quoted\" caf\xC3\xA9";
  r.context = "Thai";
  r.label = "positive";
  r.extra = {{"persona", 3}, {"text", "ignored: the role wins"}, {"scores", {0.5, 1}}};
  Record bare;
  bare.id = "b";
  bare.text = "plain";
  const auto path = dir.path() / "out" / "synthetic.jsonl";
  write_jsonl(path, {r, bare});
  EXPECT_EQ(slurp(path),
            "{\"id\":\"p3-17\",\"text\":\"Line one\\n\\\"quoted\\\" caf\xC3\xA9\",\"context\":\"Thai\","
            "\"label\":\"positive\",\"persona\":3,\"scores\":[0.5,1]}\n"
            "{\"id\":\"b\",\"text\":\"plain\"}\n");
  // Nothing but the target is left in the directory.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(path.parent_path()), {}), 1);
}

TEST(DataWriter, RoundTripsThroughTheReader) {
  TempDir dir;
  std::vector<Record> records(3);
  for (int i = 0; i < 3; ++i) {
    records[i].id = "r" + std::to_string(i);
    records[i].text = "text " + std::to_string(i);
    records[i].context = "ctx";
    records[i].label = i % 2 ? "odd" : "even";
    records[i].extra = {{"k", i}};
  }
  const auto path = dir.path() / "rt.jsonl";
  write_jsonl(path, records);
  LoadOptions opt;
  opt.context_field = "context";
  auto back = load(path, opt).records;
  ASSERT_EQ(back.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(back[i].line, static_cast<std::size_t>(i + 1));
    back[i].source.clear();  // the only differences are where the copy was read from
    back[i].line = 0;
    EXPECT_EQ(back[i], records[i]) << i;
  }
}

TEST(DataWriter, InvalidUtf8BecomesReplacementCharacter) {
  TempDir dir;
  Record r;
  r.id = "0";
  r.text = "cut \xE2\x82";  // a generation stopped mid-character
  const auto path = dir.path() / "u.jsonl";
  write_jsonl(path, {r});
  EXPECT_EQ(slurp(path), "{\"id\":\"0\",\"text\":\"cut \xEF\xBF\xBD\"}\n");
  EXPECT_EQ(load(path).records.at(0).text, "cut \xEF\xBF\xBD");
}

TEST(DataWriter, ReplacesAnExistingFileWhole) {
  TempDir dir;
  const auto path = dir.write("o.jsonl", "old content that is longer than the new one\n");
  Record r;
  r.id = "1";
  r.text = "new";
  write_jsonl(path, {r});
  EXPECT_EQ(slurp(path), "{\"id\":\"1\",\"text\":\"new\"}\n");
}
