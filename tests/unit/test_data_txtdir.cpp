#include <gtest/gtest.h>

#include "test_data_util.h"

using namespace mop::data;
using mop::data::testing::load_error;
using mop::data::testing::TempDir;

TEST(DataTxtDir, OneRecordPerFileLabelledBySubFolderInSortedOrder) {
  TempDir dir;
  const auto root = dir.path() / "corpus";
  // Written out of order: the result must not depend on directory listing order.
  dir.write("corpus/pos/b.txt", "Loved it.\n");
  dir.write("corpus/neg/z.txt", "Hated it.\r\n");
  dir.write("corpus/pos/a.txt", "First line\nsecond line\n\n");
  dir.write("corpus/neg/deeper/q.txt", "Nested.");
  dir.write("corpus/top.txt", "No folder, no label.");
  dir.write("corpus/pos/notes.md", "not a .txt file");
  dir.write("corpus/.hidden.txt", "hidden file");
  dir.write("corpus/.git/x.txt", "hidden folder");
  const auto result = load(root);
  const auto& r = result.records;
  ASSERT_EQ(r.size(), 5u);
  EXPECT_EQ(r[0].id, "neg/deeper/q.txt");
  EXPECT_EQ(r[0].label, "neg");
  EXPECT_EQ(r[1].id, "neg/z.txt");
  EXPECT_EQ(r[1].text, "Hated it.");
  EXPECT_EQ(r[2].id, "pos/a.txt");
  EXPECT_EQ(r[2].text, "First line\nsecond line");
  EXPECT_EQ(r[2].label, "pos");
  EXPECT_EQ(r[3].id, "pos/b.txt");
  EXPECT_EQ(r[4].id, "top.txt");
  EXPECT_FALSE(r[4].label.has_value());
  EXPECT_EQ(r[2].source, (root / "pos/a.txt").string());
  EXPECT_EQ(r[2].line, 1u);
  EXPECT_TRUE(r[2].extra.empty());
}

TEST(DataTxtDir, BadFilesAreNamed) {
  TempDir dir;
  dir.write("d/pos/good.txt", "fine");
  dir.write("d/pos/utf.txt", "line one\nbad \xE0\x80\xAF here\n");
  EXPECT_EQ(load_error(dir.path() / "d"), (dir.path() / "d/pos/utf.txt").string() + ":2: invalid UTF-8 at byte 5");

  TempDir dir2;
  dir2.write("d/neg/blank.txt", " \n\n");
  dir2.write("d/neg/ok.txt", "ok");
  EXPECT_EQ(load_error(dir2.path() / "d"), (dir2.path() / "d/neg/blank.txt").string() + ": empty file");

  LoadOptions opt;
  opt.skip_bad = true;
  const auto result = load(dir2.path() / "d", opt);
  ASSERT_EQ(result.records.size(), 1u);
  EXPECT_EQ(result.records[0].id, "neg/ok.txt");
  EXPECT_EQ(result.report.skipped, 1u);
}

TEST(DataTxtDir, EmptyDirectoryAndMisusedOptions) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "empty/sub");
  dir.write("empty/sub/readme.md", "x");
  EXPECT_EQ(load_error(dir.path() / "empty"), (dir.path() / "empty").string() + ": no .txt files found");

  dir.write("full/a/x.txt", "x");
  LoadOptions opt;
  opt.label_field = "label";
  EXPECT_NE(load_error(dir.path() / "full", opt).find("has no fields to name"), std::string::npos);

  LoadOptions as_txt;
  as_txt.format = Format::TxtDir;
  const auto file = dir.write("single.jsonl", "{\"text\": \"a\"}\n");
  EXPECT_EQ(load_error(file, as_txt), file.string() + ": not a directory (format txt)");
  LoadOptions as_csv;
  as_csv.format = Format::Csv;
  EXPECT_EQ(load_error(dir.path() / "full", as_csv), (dir.path() / "full").string() + ": is a directory");
}
