#include <gtest/gtest.h>

#include "test_data_util.h"

using namespace mop::data;
using mop::data::testing::load_error;
using mop::data::testing::TempDir;

TEST(DataJsonl, ReadsFieldsLabelsAndExtras) {
  TempDir dir;
  const auto path = dir.write("x.jsonl",
                              "{\"text\": \"great food\", \"category\": \"Thai\", \"stars\": 5.0, \"label\": \"positive\"}\n"
                              "{\"text\": \"cold soup\", \"category\": \"Soup\", \"stars\": 2, \"label\": \"negative\", "
                              "\"tags\": [1, {\"a\": null}]}\n");
  LoadOptions opt;
  opt.context_field = "category";
  const auto result = load(path, opt);
  ASSERT_EQ(result.records.size(), 2u);
  EXPECT_EQ(result.report.loaded, 2u);
  EXPECT_EQ(result.report.skipped, 0u);
  const Record& a = result.records[0];
  EXPECT_EQ(a.id, "0");
  EXPECT_EQ(a.text, "great food");
  EXPECT_EQ(a.context, "Thai");
  EXPECT_EQ(a.label, "positive");
  EXPECT_EQ(a.extra, nlohmann::json({{"stars", 5.0}}));
  EXPECT_EQ(a.source, path.string());
  EXPECT_EQ(a.line, 1u);
  const Record& b = result.records[1];
  EXPECT_EQ(b.id, "1");
  EXPECT_EQ(b.line, 2u);
  EXPECT_EQ(b.extra["tags"], nlohmann::json::parse("[1, {\"a\": null}]"));
}

TEST(DataJsonl, NonStringLabelsKeepTheirJsonText) {
  TempDir dir;
  const auto path = dir.write("s.jsonl",
                              "{\"text\": \"a\", \"stars\": 5.0}\n{\"text\": \"b\", \"stars\": 3}\n"
                              "{\"text\": \"c\", \"stars\": true}\n");
  LoadOptions opt;
  opt.label_field = "stars";
  const auto r = load(path, opt).records;
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].label, "5.0");
  EXPECT_EQ(r[1].label, "3");
  EXPECT_EQ(r[2].label, "true");
  EXPECT_TRUE(r[0].extra.empty());
}

TEST(DataJsonl, LabelAndIdAreOptionalByDefault) {
  TempDir dir;
  const auto path = dir.write("n.jsonl", "{\"text\": \"a\"}\n{\"text\": \"b\", \"label\": \"x\", \"id\": \"doc-7\"}\n");
  const auto r = load(path).records;
  ASSERT_EQ(r.size(), 2u);
  EXPECT_FALSE(r[0].label.has_value());
  EXPECT_FALSE(r[0].context.has_value());
  EXPECT_EQ(r[0].id, "0");
  EXPECT_EQ(r[1].label, "x");
  EXPECT_EQ(r[1].id, "doc-7");
}

TEST(DataJsonl, CustomTextFieldBlankLinesCrlfAndBom) {
  TempDir dir;
  const auto path = dir.write("c.jsonl", "\xEF\xBB\xBF{\"review\": \"one\"}\r\n\r\n   \n{\"review\": \"two\"}");
  LoadOptions opt;
  opt.text_field = "review";
  const auto r = load(path, opt).records;
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].text, "one");
  EXPECT_EQ(r[1].text, "two");
  EXPECT_EQ(r[1].line, 4u);  // blank lines count for line numbers...
  EXPECT_EQ(r[1].id, "1");   // ...but not as rows
}

TEST(DataJsonl, KeepsUnicodeAndEscapes) {
  TempDir dir;
  const auto path = dir.write("u.jsonl", "{\"text\": \"caf\xC3\xA9 \\u00e9\\n\\\"q\\\" \\ud83d\\ude00\"}\n");
  EXPECT_EQ(load(path).records.at(0).text, "caf\xC3\xA9 \xC3\xA9\n\"q\" \xF0\x9F\x98\x80");
}

TEST(DataJsonl, NumbersSimdjsonRejectsStillLoad) {
  TempDir dir;  // past 64 bits: simdjson refuses the integer, nlohmann reads it as a double
  const auto path = dir.write("big.jsonl", "{\"text\": \"a\", \"n\": 123456789012345678901234567890}\n");
  const auto r = load(path).records;
  ASSERT_EQ(r.size(), 1u);
  EXPECT_NEAR(r[0].extra["n"].get<double>(), 1.2345678901234568e29, 1e15);
}

TEST(DataJsonl, NumberOverflowIsReported) {
  TempDir dir;
  const auto path = dir.write("inf.jsonl", "{\"text\": \"a\", \"score\": 1e400}\n");
  EXPECT_EQ(load_error(path), path.string() + ":1: malformed JSON: number overflow parsing '1e400'");
}

// --- Bad input: one error naming file, line and field.

struct BadCase {
  const char* content;
  const char* message;  // after "<path>"
  const char* context_field = nullptr;
  const char* label_field = nullptr;
};
void PrintTo(const BadCase& c, std::ostream* os) { *os << c.message; }

class DataJsonlBad : public ::testing::TestWithParam<BadCase> {};

TEST_P(DataJsonlBad, NamesFileLineAndField) {
  TempDir dir;
  const auto path = dir.write("x.jsonl", GetParam().content);
  LoadOptions opt;
  if (GetParam().context_field) opt.context_field = GetParam().context_field;
  if (GetParam().label_field) opt.label_field = GetParam().label_field;
  EXPECT_EQ(load_error(path, opt), path.string() + GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DataJsonlBad,
    ::testing::Values(
        BadCase{"{\"text\": \"ok\"}\n{\"label\": \"x\"}\n", ":2: field \"text\": missing"},
        BadCase{"{\"text\": \"ok\"}\n\n{\"text\": null}\n", ":3: field \"text\": missing"},
        BadCase{"{\"text\": \"\"}\n", ":1: field \"text\": empty"},
        BadCase{"{\"text\": \"  \\t \"}\n", ":1: field \"text\": empty"},
        BadCase{"{\"text\": 12}\n", ":1: field \"text\": expected a string, got number"},
        BadCase{"{\"text\": \"a\", \"label\": \"\"}\n", ":1: field \"label\": empty"},
        BadCase{"{\"text\": \"a\", \"cat\": \"c\"}\n{\"text\": \"b\"}\n", ":2: field \"cat\": missing", "cat"},
        BadCase{"{\"text\": \"a\", \"stars\": 1}\n{\"text\": \"b\", \"label\": 1}\n", ":2: field \"stars\": missing", nullptr, "stars"},
        BadCase{"[1, 2]\n", ":1: expected a JSON object, got array (JSON Lines holds one object per line)"},
        BadCase{"\"text\"\n", ":1: expected a JSON object, got string (JSON Lines holds one object per line)"},
        BadCase{"{\"text\": \"a\"}\n{\"text\": \"b\",}\n",
                ":2: malformed JSON at byte 14: syntax error while parsing object key - unexpected '}'; "
                "expected string literal"},
        BadCase{"{\"text\": \"a\"} {\"text\": \"b\"}\n",
                ":1: malformed JSON at byte 15: syntax error while parsing value - unexpected '{'; "
                "expected end of input"},
        BadCase{"{\"text\": \"abc\xE2\x82\"}\n", ":1: invalid UTF-8 at byte 14"},
        BadCase{"{\"text\": \"ok\"}\n{\"text\": \"\xED\xA0\x80\"}\n", ":2: invalid UTF-8 at byte 11"},
        BadCase{"", ": empty file"},
        BadCase{"\n  \n\r\n", ": empty file"}));

TEST(DataJsonl, SkipBadCountsAndKeepsTheFirstMessages) {
  TempDir dir;
  const auto path = dir.write("m.jsonl",
                              "{\"text\": \"a\"}\n{\"x\": 1}\nnot json\n{\"text\": \"b\"}\n{\"text\": \"\"}\n"
                              "{\"text\": \"\xC0\xAF\"}\n{\"text\": \"c\"}\n");
  LoadOptions opt;
  opt.skip_bad = true;
  opt.max_messages = 2;
  const auto result = load(path, opt);
  ASSERT_EQ(result.records.size(), 3u);
  EXPECT_EQ(result.report.loaded, 3u);
  EXPECT_EQ(result.report.skipped, 4u);
  ASSERT_EQ(result.report.messages.size(), 2u);
  EXPECT_EQ(result.report.messages[0], path.string() + ":2: field \"text\": missing");
  EXPECT_EQ(result.report.messages[1].rfind(path.string() + ":3: malformed JSON at byte 2:", 0), 0u)
      << result.report.messages[1];
  // Ids are row positions in the file, so skipping does not renumber the good rows.
  EXPECT_EQ(result.records[1].id, "3");
  EXPECT_EQ(result.records[2].id, "6");
  EXPECT_EQ(result.records[2].line, 7u);
}

TEST(DataJsonl, SkipBadStillFailsWhenNothingLoads) {
  TempDir dir;
  const auto path = dir.write("all_bad.jsonl", "{\"x\": 1}\n{\"y\": 2}\n");
  LoadOptions opt;
  opt.skip_bad = true;
  EXPECT_EQ(load_error(path, opt), path.string() + ": no records loaded: all 2 rows are bad (first: " +
                                       path.string() + ":1: field \"text\": missing)");
}

TEST(DataJsonl, MissingFileAndUnknownExtension) {
  TempDir dir;
  EXPECT_EQ(load_error(dir.path() / "nope.jsonl"), (dir.path() / "nope.jsonl").string() + ": no such file or directory");
  EXPECT_EQ(load(dir.write("UPPER.JSONL", "{\"text\": \"a\"}\n")).records.size(), 1u);
  const auto odd = dir.write("data.dat", "{\"text\": \"a\"}\n");
  EXPECT_NE(load_error(odd).find("cannot tell the format"), std::string::npos);
  LoadOptions opt;
  opt.format = parse_format("jsonl");
  EXPECT_EQ(load(odd, opt).records.at(0).text, "a");
  EXPECT_THROW(parse_format("xml"), mop::Error);
}
