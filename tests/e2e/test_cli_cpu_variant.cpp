// The CPU backend as a user meets it: `mop --version` names it; in a portable build every CPU
// variant this machine runs gives scores that do not depend on the batch, and the variants agree
// with each other to rounding; a variant that cannot be had is one clear error.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "support/paths.h"

using mop::test::cli_path;
using mop::test::run_command;
using mop::test::stories_model;
using mop::test::TempDir;

namespace {

// The CPU variants of a portable build (empty for a static build).
std::vector<std::string> variants() {
  std::vector<std::string> out;
  const std::filesystem::path bin = std::filesystem::path(MOP_BUILD_DIR) / "bin";
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(bin, ec)) {
    const std::string f = e.path().filename().string();
    if (f.rfind("libggml-cpu-", 0) == 0 && e.path().extension() == ".so") out.push_back(f.substr(12, f.size() - 12 - 3));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<double> logprobs(const std::string& path) {
  std::vector<double> out;
  std::istringstream in(mop::test::read_file(path));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(nlohmann::json::parse(line)["logprob"].get<double>());
  return out;
}

}  // namespace

TEST(CliCpuVariant, VersionNamesTheCpuBackend) {
  std::string out, err;
  ASSERT_EQ(run_command(cli_path() + " --version", &out, &err), 0) << err;
  EXPECT_NE(out.find("ggml "), std::string::npos) << out;
  EXPECT_NE(out.find("CPU "), std::string::npos) << out;
  if (!variants().empty()) EXPECT_NE(out.find("of the portable build"), std::string::npos) << out;
}

TEST(CliCpuVariant, AnUnknownVariantIsOneClearError) {
  if (variants().empty()) GTEST_SKIP() << "static build: one CPU backend, linked in";
  std::string out, err;
  EXPECT_EQ(run_command("MOP_CPU_VARIANT=pentium " + cli_path() + " --version", &out, &err), 1);
  EXPECT_NE(err.find("MOP_CPU_VARIANT=pentium: no such CPU backend in "), std::string::npos) << err;
  EXPECT_NE(err.find("haswell"), std::string::npos) << err;  // the message lists what there is
}

TEST(CliCpuVariant, EveryVariantThisCpuRunsIsBatchInvariantAndTheyAgree) {
  const auto all = variants();
  if (all.empty()) GTEST_SKIP() << "static build: scripts/test_cpu_variant.sh builds another";
  TempDir dir;
  std::string pairs;
  for (const char* p : {"Once upon a time, there was a cat.", "Once upon a time, there was a cat who liked milk.", "Lily went to the park."})
    for (const char* c : {" He was happy and ran around the garden with his friends.", " The end.", " They played all day."})
      pairs += nlohmann::json{{"prompt", p}, {"continuation", c}}.dump() + "\n";
  mop::test::write_file(dir.file("pairs.jsonl"), pairs);
  std::vector<double> first;
  std::string first_name;
  int ran = 0;
  for (const auto& v : all) {
    const std::string env = "MOP_CPU_VARIANT=" + v + " ";
    std::string out, err;
    if (run_command(env + cli_path() + " --version", &out, &err) != 0) {
      EXPECT_NE(err.find("this CPU lacks the instructions"), std::string::npos) << v << ": " << err;
      continue;  // needs instructions this CPU does not have
    }
    ++ran;
    const std::string score = env + cli_path() + " lm score -m " + stories_model() + " --input " + dir.file("pairs.jsonl");
    ASSERT_EQ(run_command(score + " -t 2 -o " + dir.file(v + "-a.jsonl"), nullptr, &err), 0) << v << ": " << err;
    ASSERT_EQ(run_command(score + " -t 1 --parallel 1 --batch-tokens 5 -o " + dir.file(v + "-b.jsonl"), nullptr, &err), 0) << v << ": " << err;
    const auto a = logprobs(dir.file(v + "-a.jsonl")), b = logprobs(dir.file(v + "-b.jsonl"));
    ASSERT_EQ(a.size(), 9u);
    EXPECT_EQ(a, b) << v << ": scores depend on the batch";
    if (first.empty()) first = a, first_name = v;
    // Instruction sets round differently; measured worst case across the variants: docs/numerics.md.
    double worst = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      worst = std::max(worst, std::abs(a[i] - first[i]) / std::abs(first[i]));
      EXPECT_NEAR(a[i], first[i], 1e-3 * std::abs(first[i])) << v << " vs " << first_name << ", pair " << i;
    }
    std::printf("variant %s: batch invariant; largest relative difference to %s %.2e\n", v.c_str(), first_name.c_str(), worst);
  }
  EXPECT_GE(ran, 2) << "fewer than two CPU variants run here";
}

TEST(CliCpuVariant, AGpuModuleThatCannotOpenIsSkippedAndSaidSo) {
  // As a CUDA module on a machine without the NVIDIA driver: the file is there, dlopen fails.
  if (variants().empty()) GTEST_SKIP() << "static build: no modules";
  TempDir dir;
  const std::filesystem::path bin = std::filesystem::path(MOP_BUILD_DIR) / "bin";
  for (const auto& v : variants())
    std::filesystem::create_symlink(bin / ("libggml-cpu-" + v + ".so"), dir.path() / ("libggml-cpu-" + v + ".so"));
  mop::test::write_file(dir.file("libggml-cuda.so"), "not a shared object\n");
  const std::string env = "MOP_BACKEND_DIR=" + dir.path().string() + " ";
  std::string out, err;
  ASSERT_EQ(run_command(env + cli_path() + " --version", &out, &err), 0) << err;
  EXPECT_NE(out.find("not loaded: ggml-cuda: "), std::string::npos) << out;
  mop::test::write_file(dir.file("pairs.jsonl"), "{\"prompt\": \"Once upon a time\", \"continuation\": \" there was a cat.\"}\n");
  ASSERT_EQ(run_command(env + cli_path() + " lm score -m " + stories_model() + " --input " + dir.file("pairs.jsonl") + " -o " +
                            dir.file("out.jsonl"), nullptr, &err), 0) << err;
  EXPECT_NE(err.find("mop: note: running on the CPU; a GPU backend was found but cannot be loaded here: ggml-cuda: "),
            std::string::npos) << err;
  EXPECT_EQ(logprobs(dir.file("out.jsonl")).size(), 1u);
  // A model that is not there stays one line of error: the note comes only once a model loaded.
  EXPECT_NE(run_command(env + cli_path() + " lm score -m /nonexistent/model.gguf --input " + dir.file("pairs.jsonl"), nullptr, &err), 0);
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
}
