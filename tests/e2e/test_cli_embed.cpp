// mop embed on a slice of SST-2: a float32 .npy of unit rows in input order, the ids beside it,
// the fitted state for glove-sif, and clear errors for bad input.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "mop/util/npy.h"
#include "support/paths.h"
#include "support/shared_data.h"
#include "support/tiny_bert.h"

using mop::test::cli_path;
using mop::test::run_command;
using mop::test::TempDir;

namespace {

namespace fs = std::filesystem;

// The first n SST-2 test sentences as JSONL with ids "s0", "s1", ...; returns the ids.
std::vector<std::string> write_sample(const std::string& path, std::size_t n) {
  std::vector<std::string> ids;
  mop::test::write_slice("sst2/test.jsonl", 0, n, path, [&](nlohmann::json& j, std::size_t i) {
    ids.push_back("s" + std::to_string(i));
    j["id"] = ids.back();
  });
  return ids;
}

std::vector<std::string> lines_of(const std::string& path) {
  std::istringstream in(mop::test::read_file(path));
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Checks the .npy header says little-endian float32, C order, and the rows are unit vectors.
void expect_unit_float32(const std::string& npy, long rows, long cols) {
  const std::string head = mop::test::read_file(npy).substr(0, 128);
  EXPECT_NE(head.find("'descr': '<f4'"), std::string::npos) << head;
  EXPECT_NE(head.find("'fortran_order': False"), std::string::npos) << head;
  const auto m = mop::util::read_npy(npy);
  ASSERT_EQ(m.rows(), rows);
  ASSERT_EQ(m.cols(), cols);
  for (long i = 0; i < m.rows(); ++i) EXPECT_NEAR(m.row(i).norm(), 1.0f, 1e-5f) << "row " << i;
}

TEST(CliEmbed, GloveSifWritesMatrixIdsAndState) {
  TempDir dir;
  const auto ids = write_sample(dir.file("sample.jsonl"), 40);
  std::string err;
  ASSERT_EQ(run_command(cli_path() + " embed --input " + dir.file("sample.jsonl") + " --out " + dir.file("g.npy"), nullptr, &err), 0) << err;
  expect_unit_float32(dir.file("g.npy"), 40, 100);
  EXPECT_EQ(lines_of(dir.file("g.npy.ids.txt")), ids);
  ASSERT_TRUE(fs::exists(dir.file("g.npy.state.json")));

  // The saved state reused on the same texts gives the same matrix, and no new state is written.
  ASSERT_EQ(run_command(cli_path() + " embed --encoder glove-sif --input " + dir.file("sample.jsonl") + " --state " +
                            dir.file("g.npy.state.json") + " --out " + dir.file("again.npy"), nullptr, &err), 0) << err;
  EXPECT_EQ(mop::util::read_npy(dir.file("again.npy")), mop::util::read_npy(dir.file("g.npy")));
  EXPECT_FALSE(fs::exists(dir.file("again.npy.state.json")));
}

TEST(CliEmbed, TinyBertWithOtherTextFieldAndCache) {
  TempDir dir;
  mop::test::write_tiny_bert(dir.file("bert.gguf"), mop::test::TinyBertShape{});
  // A CSV with the text in a "review" column and no id column: ids are the row indices.
  std::string csv = "review,label\n";
  std::vector<std::string> ids;
  for (const std::string& text : mop::test::shared_texts("sst2/test.jsonl", 25)) {
    std::string quoted;
    for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    csv += "\"" + quoted + "\",x\n";
    ids.push_back(std::to_string(ids.size()));
  }
  mop::test::write_file(dir.file("reviews.csv"), csv);
  const std::string cmd = cli_path() + " embed --encoder " + dir.file("bert.gguf") + " --input " + dir.file("reviews.csv") +
                          " --text review --threads 2 --cache-dir " + dir.file("cache") + " --out ";
  std::string err;
  ASSERT_EQ(run_command(cmd + dir.file("b.npy"), nullptr, &err), 0) << err;
  expect_unit_float32(dir.file("b.npy"), 25, 32);
  EXPECT_EQ(lines_of(dir.file("b.npy.ids.txt")), ids);
  EXPECT_FALSE(fs::exists(dir.file("b.npy.state.json")));  // nothing fitted
  EXPECT_TRUE(fs::exists(dir.file("cache") + "/embeddings.sqlite"));
  // A second run answers from the cache with the same vectors.
  ASSERT_EQ(run_command(cmd + dir.file("b2.npy"), nullptr, &err), 0) << err;
  EXPECT_EQ(mop::util::read_npy(dir.file("b2.npy")), mop::util::read_npy(dir.file("b.npy")));
}

TEST(CliEmbed, BadLineNamesFileLineAndField) {
  TempDir dir;
  mop::test::write_file(dir.file("bad.jsonl"), "{\"text\": \"fine\"}\n{\"text\": \"also fine\"}\n{\"txt\": \"typo\"}\n");
  std::string err;
  EXPECT_EQ(run_command(cli_path() + " embed --input " + dir.file("bad.jsonl") + " --out " + dir.file("x.npy"), nullptr, &err), 1);
  EXPECT_NE(err.find(dir.file("bad.jsonl") + ":3: field \"text\": missing"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(dir.file("x.npy")));
}

TEST(CliEmbed, StateForAnEncoderWithoutOneIsRefused) {
  TempDir dir;
  mop::test::write_tiny_bert(dir.file("bert.gguf"), mop::test::TinyBertShape{});
  write_sample(dir.file("s.jsonl"), 3);
  mop::test::write_file(dir.file("state.json"), "{}");
  std::string err;
  EXPECT_EQ(run_command(cli_path() + " embed --no-cache --encoder " + dir.file("bert.gguf") + " --input " + dir.file("s.jsonl") +
                            " --state " + dir.file("state.json") + " --out " + dir.file("x.npy"), nullptr, &err), 1);
  EXPECT_NE(err.find("has no corpus state"), std::string::npos) << err;
}

}  // namespace

// Not a terminal (as here, under ctest): plain progress lines for logs, unless told otherwise.
TEST(CliEmbed, ProgressIsPlainLinesInLogsAndCanBeTurnedOff) {
  TempDir dir;
  write_sample(dir.file("sample.jsonl"), 40);
  const std::string cmd = cli_path() + " embed --input " + dir.file("sample.jsonl") + " --out " + dir.file("g.npy");
  std::string err;
  ASSERT_EQ(run_command(cmd, nullptr, &err), 0) << err;
  EXPECT_NE(err.find("mop: embed: 40/40 (100.0%) in "), std::string::npos) << err;
  EXPECT_EQ(err.find('\r'), std::string::npos) << "no bar redrawn in place in a log";
  ASSERT_EQ(run_command(cmd + " --progress none", nullptr, &err), 0) << err;
  EXPECT_EQ(err.find("mop: embed: 40/40"), std::string::npos) << err;
  ASSERT_EQ(run_command("MOP_PROGRESS=none " + cmd, nullptr, &err), 0) << err;
  EXPECT_EQ(err.find("mop: embed: 40/40"), std::string::npos) << err;
  EXPECT_EQ(run_command("MOP_PROGRESS=loud " + cmd, nullptr, &err), 1);
  EXPECT_NE(err.find("progress mode must be auto, bar, lines or none, got 'loud'"), std::string::npos) << err;
  EXPECT_EQ(run_command(cmd + " --progress-interval -1", nullptr, &err), 1);
  EXPECT_NE(err.find("--progress-interval must be at least 0 seconds"), std::string::npos) << err;
}
