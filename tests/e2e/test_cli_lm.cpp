// The mop lm CLI on the shared small model: JSONL in, JSONL out in input order, clear errors.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "support/paths.h"

using mop::test::cli_path;
using mop::test::run_command;
using mop::test::stories_model;
using mop::test::TempDir;

namespace {
std::vector<nlohmann::json> parse_lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}
}  // namespace

TEST(CliLm, GenerateFromFileKeepsOrderAndIsReproducible) {
  TempDir dir;
  mop::test::write_file(dir.file("prompts.jsonl"),
                        "{\"id\": \"a\", \"prompt\": \"Once upon a time\"}\n"
                        "{\"id\": \"b\", \"prompt\": \"The dog\", \"max_tokens\": 4}\n"
                        "\n"
                        "{\"id\": \"c\", \"prompt\": \"Lily was sad\", \"temperature\": 0}\n");
  const std::string cmd = cli_path() + " lm generate -m " + stories_model() + " --prompts " + dir.file("prompts.jsonl") +
                          " --max-tokens 16 --seed 5 --threads 1 -o ";
  std::string err;
  ASSERT_EQ(run_command(cmd + dir.file("out1.jsonl"), nullptr, &err), 0) << err;
  ASSERT_EQ(run_command(cmd + dir.file("out2.jsonl"), nullptr, &err), 0) << err;
  const auto out = parse_lines(mop::test::read_file(dir.file("out1.jsonl")));
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0]["id"], "a");
  EXPECT_EQ(out[1]["id"], "b");
  EXPECT_EQ(out[2]["id"], "c");
  EXPECT_LE(out[1]["n_tokens"].get<int>(), 4);
  for (const auto& j : out) EXPECT_FALSE(j["text"].get<std::string>().empty());
  EXPECT_EQ(mop::test::read_file(dir.file("out1.jsonl")), mop::test::read_file(dir.file("out2.jsonl")));
}

TEST(CliLm, ScoreSinglePromptToStdout) {
  std::string out, err;
  ASSERT_EQ(run_command(cli_path() + " lm score -m " + stories_model() +
                            " --prompt 'Once upon a time' --continuation ' there was a cat.' --tau 0.6",
                        &out, &err), 0) << err;
  const auto lines = parse_lines(out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_LT(lines[0]["logprob"].get<double>(), 0);
  EXPECT_GT(lines[0]["n_tokens"].get<int>(), 2);
  EXPECT_TRUE(lines[0].contains("dlogprob_dtau"));
}

TEST(CliLm, BadInputLineNamesFileLineAndField) {
  TempDir dir;
  mop::test::write_file(dir.file("pairs.jsonl"), "{\"prompt\": \"a\", \"continuation\": \"b\"}\n{\"prompt\": \"a\"}\n");
  std::string err;
  EXPECT_EQ(run_command(cli_path() + " lm score --threads 1 -m " + stories_model() + " --input " + dir.file("pairs.jsonl"), nullptr, &err), 1);
  EXPECT_NE(err.find("pairs.jsonl:2: field \"continuation\": missing"), std::string::npos) << err;
}

TEST(CliLm, MissingModelIsOneClearLine) {
  std::string err;
  EXPECT_EQ(run_command(cli_path() + " lm generate -m /nonexistent/model.gguf --prompt hi", nullptr, &err), 1);
  EXPECT_NE(err.find("model file not found: /nonexistent/model.gguf"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
}

TEST(CliLm, NoSubcommandShowsUsageAndFails) {
  std::string out, err;
  EXPECT_NE(run_command(cli_path() + " lm", &out, &err), 0);
  EXPECT_NE((out + err).find("generate"), std::string::npos);
}
