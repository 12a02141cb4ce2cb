#include <gtest/gtest.h>

#include "data/csv_parser.h"
#include "test_data_util.h"

using namespace mop::data;
using mop::data::detail::CsvParser;
using mop::data::detail::CsvRow;
using mop::data::testing::load_error;
using mop::data::testing::TempDir;

namespace {

// Every record's fields, or "!error@line" for a malformed one.
std::vector<std::vector<std::string>> parse_all(std::string_view in, char delim = ',') {
  CsvParser p(in, delim);
  CsvRow row;
  std::vector<std::vector<std::string>> out;
  while (p.next(row)) {
    if (!row.error.empty()) out.push_back({"!" + row.error + "@" + std::to_string(row.error_line)});
    else out.push_back(row.fields);
  }
  return out;
}

using Rows = std::vector<std::vector<std::string>>;

}  // namespace

TEST(DataCsvParser, PlainQuotedAndEmptyFields) {
  EXPECT_EQ(parse_all("a,b,c\n1,,3\n"), (Rows{{"a", "b", "c"}, {"1", "", "3"}}));
  EXPECT_EQ(parse_all("\"a,b\",\"say \"\"hi\"\"\",\"\"\n"), (Rows{{"a,b", "say \"hi\"", ""}}));
  EXPECT_EQ(parse_all("a,\n,b"), (Rows{{"a", ""}, {"", "b"}}));  // trailing delimiter; no final newline
  EXPECT_EQ(parse_all("x"), (Rows{{"x"}}));
}

TEST(DataCsvParser, LineBreaksInsideQuotesAndCrlf) {
  EXPECT_EQ(parse_all("a,b\r\n\"one\r\ntwo\",\"3\n4\"\r\nz,y\r\n"),
            (Rows{{"a", "b"}, {"one\r\ntwo", "3\n4"}, {"z", "y"}}));
  CsvParser p("h\n\"l2\nl3\nl4\"\nl5\n", ',');
  CsvRow row;
  ASSERT_TRUE(p.next(row));
  EXPECT_EQ(row.line, 1u);
  ASSERT_TRUE(p.next(row));
  EXPECT_EQ(row.line, 2u);
  EXPECT_EQ(row.raw, "\"l2\nl3\nl4\"");
  ASSERT_TRUE(p.next(row));
  EXPECT_EQ(row.line, 5u);
  EXPECT_FALSE(p.next(row));
}

TEST(DataCsvParser, BlankLinesAreSkippedAndLoneQuotesKept) {
  EXPECT_EQ(parse_all("a\n\n\r\nb\n\n"), (Rows{{"a"}, {"b"}}));
  EXPECT_EQ(parse_all("5\" screen,x\"y\n"), (Rows{{"5\" screen", "x\"y"}}));
}

TEST(DataCsvParser, MalformedQuotesAreReportedAndParsingResumes) {
  EXPECT_EQ(parse_all("a\n\"bad\"x,1\nc\n"), (Rows{{"a"}, {"!unexpected character after closing quote@2"}, {"c"}}));
  EXPECT_EQ(parse_all("a\nb\n\"never closed\nmore\n"), (Rows{{"a"}, {"b"}, {"!unterminated quoted field@3"}}));
}

TEST(DataCsvParser, TabDelimiterLeavesCommasAlone) {
  EXPECT_EQ(parse_all("text\tlabel\nhi, there\t\"a\tb\"\n", '\t'), (Rows{{"text", "label"}, {"hi, there", "a\tb"}}));
}

TEST(DataCsv, LoadsWithHeaderNamesAndRoles) {
  TempDir dir;
  const auto path = dir.write("r.csv",
                              "title,review,label,year\n"
                              "Heat,\"Tense, long\n\nand \"\"great\"\"\",positive,1995\n"
                              "Cats,Awful.,negative,2019\n");
  LoadOptions opt;
  opt.text_field = "review";
  opt.context_field = "title";
  const auto r = load(path, opt).records;
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].text, "Tense, long\n\nand \"great\"");
  EXPECT_EQ(r[0].context, "Heat");
  EXPECT_EQ(r[0].label, "positive");
  EXPECT_EQ(r[0].extra, nlohmann::json({{"year", "1995"}}));
  EXPECT_EQ(r[0].id, "0");
  EXPECT_EQ(r[0].line, 2u);
  EXPECT_EQ(r[1].line, 5u);
  EXPECT_EQ(r[1].id, "1");
}

TEST(DataCsv, LoadsTsvByExtension) {
  TempDir dir;
  const auto path = dir.write("r.tsv", "\xEF\xBB\xBFtext\tlabel\r\nfine, thanks\tpos\r\n\"two\nlines\"\tneg\r\n");
  const auto r = load(path).records;
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].text, "fine, thanks");
  EXPECT_EQ(r[0].label, "pos");
  EXPECT_EQ(r[1].text, "two\nlines");
}

TEST(DataCsv, FormatOverrideReadsTsvNamedCsv) {
  TempDir dir;
  const auto path = dir.write("really_tabs.csv", "text\tlabel\na,b\tc\n");
  LoadOptions opt;
  opt.format = Format::Tsv;
  const auto r = load(path, opt).records;
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].text, "a,b");
}

struct CsvBad {
  const char* content;
  const char* message;  // after "<path>"
};
void PrintTo(const CsvBad& c, std::ostream* os) { *os << c.message; }

class DataCsvBad : public ::testing::TestWithParam<CsvBad> {};

TEST_P(DataCsvBad, NamesFileLineAndField) {
  TempDir dir;
  const auto path = dir.write("x.csv", GetParam().content);
  LoadOptions opt;
  opt.context_field = "title";
  EXPECT_EQ(load_error(path, opt), path.string() + GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DataCsvBad,
    ::testing::Values(
        CsvBad{"", ": empty file"},
        CsvBad{"\n\n", ": empty file"},
        CsvBad{"title,text\n", ": no records after the header row"},
        CsvBad{"title,body\nA,b\n", ":1: field \"text\": missing (the header has: title, body)"},
        CsvBad{"name,text\nA,b\n", ":1: field \"title\": missing (the header has: name, text)"},
        CsvBad{"title,text,\nA,b,c\n", ":1: column 3 has no name"},
        CsvBad{"title,text,title\nA,b,c\n", ":1: column \"title\" appears twice"},
        CsvBad{"title,text\nA,b\nB\n", ":3: expected 2 fields as in the header, got 1"},
        CsvBad{"title,text\nA,b\nB,c,d\n", ":3: expected 2 fields as in the header, got 3"},
        CsvBad{"title,text\nA,b\nB,\n", ":3: field \"text\": empty"},
        CsvBad{"title,text\n,b\n", ":2: field \"title\": empty"},
        CsvBad{"title,text\nA,\"b\"c\n", ":2: unexpected character after closing quote"},
        CsvBad{"title,text\nA,b\nB,\"open\nstill open\n", ":3: unterminated quoted field"},
        CsvBad{"title,text\nA,\"line one\nline \xC3\x28two\"\n", ":3: invalid UTF-8 at byte 6"},
        CsvBad{"ti\xFFtle,text\nA,b\n", ":1: invalid UTF-8 at byte 3"}));

TEST(DataCsv, SkipBadDropsOnlyTheBadRecords) {
  TempDir dir;
  const auto path = dir.write("s.csv", "text,label\nok,a\nshort\n\"bad\"x,b\nfine,b\n,c\n");
  LoadOptions opt;
  opt.skip_bad = true;
  const auto result = load(path, opt);
  ASSERT_EQ(result.records.size(), 2u);
  EXPECT_EQ(result.records[0].text, "ok");
  EXPECT_EQ(result.records[1].text, "fine");
  EXPECT_EQ(result.records[1].id, "3");
  EXPECT_EQ(result.report.skipped, 3u);
  ASSERT_EQ(result.report.messages.size(), 3u);
  EXPECT_EQ(result.report.messages[0], path.string() + ":3: expected 2 fields as in the header, got 1");
  EXPECT_EQ(result.report.messages[1], path.string() + ":4: unexpected character after closing quote");
  EXPECT_EQ(result.report.messages[2], path.string() + ":6: field \"text\": empty");
}

TEST(DataCsv, HeaderProblemsAreNotSkippable) {
  TempDir dir;
  const auto path = dir.write("h.csv", "body,label\nx,y\n");
  LoadOptions opt;
  opt.skip_bad = true;
  EXPECT_EQ(load_error(path, opt), path.string() + ":1: field \"text\": missing (the header has: body, label)");
}
