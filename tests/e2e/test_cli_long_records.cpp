// Long records (IMDB-like lengths: median 984 characters, 90th percentile 2,528, longest 6,867)
// through personas -> fit -> simulate -> eval with the default budgets and context: no record ends
// the run, every cut is counted, and simulation shows the prompts fitting scored.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "support/paths.h"

using namespace mop::test;
namespace fs = std::filesystem;

namespace {

// Story words, repeated into a review of about `chars` characters, sentences of 12 words.
std::string review(size_t chars, unsigned seed) {
  static const char* vocab[] = {"the", "film", "was", "long", "and", "slow", "but", "the", "actors", "were",
                                "good", "I", "liked", "the", "music", "a", "lot", "story", "ended", "well"};
  std::mt19937 rng(seed);
  std::string s;
  for (int w = 0; s.size() < chars; ++w) {
    if (!s.empty()) s += (w % 12 == 0) ? ". " : " ";
    s += vocab[rng() % 20];
  }
  return s + ".";
}

// Lengths with the quantiles above: most near the median, a tail to the longest.
std::vector<size_t> imdb_lengths(size_t n) {
  std::vector<size_t> out;
  for (size_t i = 0; i < n; ++i) {
    const double q = (i + 0.5) / static_cast<double>(n);
    out.push_back(q < 0.5 ? static_cast<size_t>(300 + q * 2 * 684)            // 300..984
                  : q < 0.9 ? static_cast<size_t>(984 + (q - 0.5) / 0.4 * 1544)  // 984..2528
                            : static_cast<size_t>(2528 + (q - 0.9) / 0.1 * 4339));  // 2528..6867
  }
  out.back() = 6867;
  return out;
}

// With `long_contexts`, every fourth record is about a long context x (a film's synopsis of
// about 2,000 characters), the rest about a title.
void write_reviews(const std::string& path, size_t n, unsigned seed, bool long_contexts = false) {
  std::string text;
  const auto lengths = imdb_lengths(n);
  for (size_t i = 0; i < n; ++i) {
    nlohmann::json r = {{"text", review(lengths[i], seed * 1000 + static_cast<unsigned>(i))},
                        {"label", i % 2 ? "positive" : "negative"}};
    if (long_contexts) r["context"] = i % 4 == 0 ? review(2000, 77 + static_cast<unsigned>(i)) : "film " + std::to_string(i % 5);
    text += r.dump() + "\n";
  }
  write_file(path, text);
}

}  // namespace

TEST(CliLongRecords, RunEndToEndWithDefaultBudgets) {
  TempDir dir;
  const std::string train = dir.file("train.jsonl"), golden = dir.file("golden.jsonl"), personas = dir.file("personas.jsonl"),
                    run = dir.file("run"), synthetic = dir.file("synthetic.jsonl");
  write_reviews(train, 60, 1, true);
  write_reviews(golden, 40, 2);
  const std::string mop = cli_path() + " ", model = " -m " + stories_model() + " --threads 2";
  std::string err;
  ASSERT_EQ(run_command(mop + "personas --data " + train + " --k 3 --domain movie --max-tokens 16" + model + " -o " + personas,
                        nullptr, &err),
            0)
      << err;
  // Default budgets, context and parallelism; only the sizes a 60-record set allows are given.
  ASSERT_EQ(run_command(mop + "fit --data " + train + " --personas " + personas + " --run " + run + model +
                            " --domain movie --context context --exemplars 12 --epochs 1 --max-val 6",
                        nullptr, &err),
            0)
      << err;
  EXPECT_NE(err.find("token budgets: "), std::string::npos) << err;
  EXPECT_NE(err.find("exemplars cut to 256 tokens"), std::string::npos) << err;
  EXPECT_NE(err.find("responses scored on their first 1024 tokens"), std::string::npos) << err;
  EXPECT_NE(err.find("record contexts cut to 256 tokens"), std::string::npos) << err;

  // Counted in config.json and the training log; the run keeps the cut exemplars, marked.
  const auto config = nlohmann::json::parse(read_file(run + "/config.json"));
  const auto cut = config.at("token_budget");
  EXPECT_GT(cut.at("exemplars_cut").get<int>(), 0);
  EXPECT_GT(cut.at("responses_cut").get<int>(), 0);  // the longest review is about 1,700 tokens
  EXPECT_EQ(cut.at("responses_skipped").get<int>(), 0);
  EXPECT_EQ(cut.at("contexts_cut").get<int>(), 15);  // every fourth of 60, each over 256 tokens
  EXPECT_EQ(config.at("options").at("max_context_tokens").get<int>(), 256);
  EXPECT_EQ(config.at("options").at("max_exemplar_tokens").get<int>(), 256);
  const auto log = jsonl(run + "/train_log.jsonl");
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].at("exemplars_cut"), cut.at("exemplars_cut"));
  EXPECT_EQ(log[0].at("responses_cut"), cut.at("responses_cut"));
  size_t marked = 0;
  for (const auto& e : jsonl(run + "/exemplars.jsonl")) {
    const std::string t = e.at("text");
    if (e.value("cut", false)) {
      ++marked;
      EXPECT_EQ(t.substr(t.size() - 6), " [...]");
      EXPECT_GT(e.at("full_tokens").get<int>(), 256);
      EXPECT_LT(t.size(), 2000u);
    }
  }
  EXPECT_EQ(marked, cut.at("exemplars_cut").get<size_t>());

  // Contexts given to simulate are cut as the fit cut its records' (by default, from the run).
  const std::string contexts = dir.file("contexts.txt");
  write_file(contexts, "film 1\n" + review(2500, 9) + "\n");
  ASSERT_EQ(run_command(mop + "simulate --run " + run + model + " -n 12 --max-tokens 48 --seed 3 --contexts " + contexts +
                            " -o " + synthetic,
                        nullptr, &err),
            0)
      << err;
  EXPECT_NE(err.find("1 of 2 contexts cut to 256 tokens"), std::string::npos) << err;
  EXPECT_EQ(count_lines(synthetic), 12u);
  for (const auto& r : jsonl(synthetic)) {
    const std::string c = r.at("context");
    EXPECT_TRUE(c == "film 1" || c.substr(c.size() - 6) == " [...]") << c.substr(0, 80);
  }

  // PICLe's candidates (long reviews with long contexts) are cut before they are scored or shown.
  const std::string picle = dir.file("picle.jsonl");
  ASSERT_EQ(run_command(mop + "baseline picle" + model + " --domain movie --data " + train + " --context context --personas " + personas +
                            " --pool 8 --shots 2 -n 4 --max-tokens 16 -o " + picle,
                        nullptr, &err),
            0)
      << err;
  EXPECT_NE(err.find("candidates cut to 256 tokens"), std::string::npos) << err;
  EXPECT_EQ(count_lines(picle), 4u);
  ASSERT_EQ(run_command(mop + "eval --golden " + golden + " --synthetic " + synthetic + " --out " + dir.file("eval"), nullptr, &err), 0)
      << err;
  EXPECT_TRUE(fs::exists(dir.file("eval/metrics.json")));
}

TEST(CliLongRecords, SkipLeavesLongResponsesOutAndSaysHowMany) {
  TempDir dir;
  const std::string train = dir.file("train.jsonl"), personas = dir.file("personas.txt"), run = dir.file("run");
  write_reviews(train, 40, 5);
  write_file(personas, "You are a patient film critic.\nYou are a bored teenager.\n");
  const std::string mop = cli_path() + " ", model = " -m " + stories_model() + " --threads 2";
  std::string err;
  ASSERT_EQ(run_command(mop + "fit --data " + train + " --personas " + personas + " --run " + run + model +
                            " --domain movie --exemplars 8 --epochs 1 --max-val 4 --max-response-tokens 400 --long-responses skip"
                            " --max-exemplar-tokens 64",
                        nullptr, &err),
            0)
      << err;
  const auto config = nlohmann::json::parse(read_file(run + "/config.json"));
  const int skipped = config.at("token_budget").at("responses_skipped").get<int>();
  EXPECT_GT(skipped, 0);
  EXPECT_LT(skipped, 40);
  EXPECT_EQ(config.at("token_budget").at("responses_cut").get<int>(), 0);
  EXPECT_NE(err.find(std::to_string(skipped) + " responses longer than 400 tokens left out"), std::string::npos) << err;
  // A budget too small to be of use is refused, naming the flag.
  ASSERT_NE(run_command(mop + "fit --data " + train + " --personas " + personas + " --run " + dir.file("run2") + model +
                            " --exemplars 8 --max-exemplar-tokens 5",
                        nullptr, &err),
            0);
  EXPECT_NE(err.find("--max-exemplar-tokens"), std::string::npos) << err;
}
