// `mop experiment CONFIG --plan` and `mop fit --plan` (issue 15, item 4): every step the run
// would take, with its LM requests and tokens, and nothing written where the run would write.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>

#include "support/paths.h"
#include "support/process.h"

using namespace mop::test;
namespace fs = std::filesystem;

namespace {

std::string ci_config() { return std::string(MOP_SOURCE_DIR) + "/experiments/ci-sst2.yaml"; }

// Every path under `dir`, to see that a plan changed nothing.
std::set<std::string> tree(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) out.insert(e.path().string());
  return out;
}

const nlohmann::json* step(const nlohmann::json& plan, const std::string& name) {
  for (const auto& s : plan["steps"])
    if (s["name"] == name) return &s;
  return nullptr;
}

size_t scored(const nlohmann::json& s) { return s["score"]["requests"].get<size_t>(); }
size_t generated(const nlohmann::json& s) { return s["generate"]["requests"].get<size_t>(); }

}  // namespace

TEST(CliPlan, ExperimentPlanHasEveryStepWithItsWorkAndWritesNothing) {
  TempDir dir;
  const std::string out = dir.file("exp"), json = dir.file("plan.json");
  std::string stdout_text, err;
  ASSERT_EQ(run_command(cli_path() + " experiment " + ci_config() + " --out " + out + " --plan --plan-json " + json,
                        &stdout_text, &err), 0) << err;
  EXPECT_FALSE(fs::exists(out)) << "the plan created the output folder";
  const auto plan = nlohmann::json::parse(read_file(json));

  // The run's steps (runner.cpp's names), each with LM work of its kind.
  const std::vector<std::string> fits = {"fit stories epoch 1", "fit stories-no_exemplars epoch 1",
                                         "fit stories-generic_personas epoch 1"};
  const std::vector<std::string> sets = {"mop", "zerogen", "attrprompt", "picle", "progen", "mop-no-exemplars",
                                         "mop-generic-personas", "mop-random-personas", "mop-mix2", "mop-mix4", "mop-mix8",
                                         "transfer-stories-to-stories-chatml"};
  for (const char* name : {"data: train", "data: golden", "evaluate", "open model stories", "open model stories-chatml"})
    EXPECT_NE(step(plan, name), nullptr) << name;
  for (const char* name : {"personas", "personas (generic, no data)"}) {
    const auto* s = step(plan, name);
    ASSERT_NE(s, nullptr) << name;
    EXPECT_EQ(generated(*s), 4u) << name;  // k: 4
    EXPECT_GT((*s)["generate"]["prompt_tokens"].get<size_t>(), 0u) << name;
  }
  for (const auto& name : fits) {
    const auto* s = step(plan, name);
    ASSERT_NE(s, nullptr) << name;
    // 120 records: 108 trained on x M 4, 12 held out x (M 4 + 2 x 4 references).
    EXPECT_EQ(scored(*s), 108u * 4 + 12u * 12) << name;
    EXPECT_GT((*s)["score"]["continuation_tokens"].get<size_t>(), 0u) << name;
    EXPECT_GT((*s)["score"]["prompt_tokens_fed"].get<size_t>(), 0u) << name;
    EXPECT_TRUE((*s)["seconds"].is_number()) << name;
  }
  for (const auto& name : sets) {
    const auto* s = step(plan, "set " + name);
    ASSERT_NE(s, nullptr) << name;
    // Mixing merges each sample's personas in a generation of its own.
    EXPECT_EQ(generated(*s), name.rfind("mop-mix", 0) == 0 ? 80u : 40u) << name;
    EXPECT_EQ((*s)["generate"]["max_new_tokens"].get<size_t>(), name.rfind("mop-mix", 0) == 0 ? 40u * 32 + 40u * 64 : 40u * 32) << name;
    EXPECT_GT((*s)["generate"]["prompt_tokens"].get<size_t>(), 0u) << name;
    EXPECT_TRUE((*s)["seconds"].is_number()) << name;
    // PICLe scores its 24 candidates with no persona and under each of 4, once per label part.
    EXPECT_EQ(scored(*s), name == "picle" ? 2u * 5 * 24 : 0u) << name;
  }
  EXPECT_TRUE(plan["total"]["seconds"].is_number());
  EXPECT_GT(plan["total"]["seconds"].get<double>(), 0);
  // The table on stdout names the same steps and the sets' files.
  for (const char* text : {"fit stories epoch 1", "set transfer-stories-to-stories-chatml", "total (steps to run)",
                           "/samples/mop.seed0.jsonl"})
    EXPECT_NE(stdout_text.find(text), std::string::npos) << text << "\n" << stdout_text;
}

TEST(CliPlan, StepsDoneInOutAreSkippedAndOutIsLeftAsItWas) {
  TempDir dir;
  const fs::path out = dir.path() / "exp";
  fs::create_directories(out / "samples");
  write_file((out / "samples" / "zerogen.seed0.jsonl").string(), "{\"index\":0,\"text\":\"x\"}\n");
  const auto before = tree(out);
  const std::string json = dir.file("plan.json");
  std::string err;
  ASSERT_EQ(run_command(cli_path() + " experiment " + ci_config() + " --out " + out.string() + " --plan --plan-json " + json,
                        nullptr, &err), 0) << err;
  EXPECT_EQ(tree(out), before);
  const auto plan = nlohmann::json::parse(read_file(json));
  ASSERT_NE(step(plan, "set zerogen"), nullptr);
  EXPECT_EQ((*step(plan, "set zerogen"))["status"], "done (skipped)");
  EXPECT_EQ((*step(plan, "set attrprompt"))["status"], "to run");
  // What is done is not in the total.
  size_t to_run = 0;
  for (const auto& s : plan["steps"])
    if (s["status"] != "done (skipped)") to_run += generated(s);
  EXPECT_EQ(plan["total"]["generate"]["requests"].get<size_t>(), to_run);
}

class CliFitPlan : public ::testing::Test {
 protected:
  void SetUp() override {
    write_sst2_sample(dir_.file("train.jsonl"), 60);
    write_file(dir_.file("personas.txt"), "You are a film critic.\nYou are a casual viewer.\nYou are a fan of horror films.\n");
  }
  std::string fit_flags() const {
    return " fit --data " + dir_.file("train.jsonl") + " --personas " + dir_.file("personas.txt") + " --run " + dir_.file("run") +
           " --domain movie --exemplars 10 --epochs 2 --batch 8 --max-val 6";
  }
  TempDir dir_;
};

TEST_F(CliFitPlan, PrintsEachEpochAndWritesNoRun) {
  const std::string json = dir_.file("plan.json");
  std::string out, err;
  ASSERT_EQ(run_command(cli_path() + fit_flags() + " -m " + stories_model() + " --threads 1 --plan --plan-json " + json, &out, &err), 0)
      << err;
  EXPECT_FALSE(fs::exists(dir_.file("run")));
  const auto plan = nlohmann::json::parse(read_file(json));
  EXPECT_EQ(plan["fit"]["train"], 54);  // 60 records, 10% held out
  EXPECT_EQ(plan["fit"]["val"], 6);
  for (const char* name : {"fit epoch 1", "fit epoch 2"}) {
    const auto* s = step(plan, name);
    ASSERT_NE(s, nullptr) << name;
    EXPECT_GT(scored(*s), 0u);
    EXPECT_GT((*s)["score"]["continuation_tokens"].get<size_t>(), 0u);
    EXPECT_TRUE((*s)["seconds"].is_number());
  }
  EXPECT_EQ(scored(*step(plan, "fit epoch 1")), 54u * 4 + 6u * 12);
  EXPECT_EQ(scored(*step(plan, "fit epoch 2")), 54u * 4 + 6u * 4);
  EXPECT_NE(out.find("fit epoch 2"), std::string::npos) << out;
}

TEST_F(CliFitPlan, AnEndpointIsSentNothingAndItsTimeIsUnknown) {
  // Nothing listens on the port: a plan that contacted it would fail.
  DeadPort port;
  const std::string json = dir_.file("plan.json");
  std::string out, err;
  ASSERT_EQ(run_command(cli_path() + fit_flags() + " --endpoint http://127.0.0.1:" + std::to_string(port.port()) +
                            " --plan --plan-json " + json, &out, &err), 0) << err;
  const auto plan = nlohmann::json::parse(read_file(json));
  EXPECT_TRUE(plan["total"]["seconds"].is_null());
  EXPECT_GT(plan["total"]["score"]["requests"].get<size_t>(), 0u);
  EXPECT_NE(out.find("unknown"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir_.file("run")));
}

TEST_F(CliFitPlan, PlanJsonWithoutPlanIsAnError) {
  std::string err;
  EXPECT_EQ(run_command(cli_path() + fit_flags() + " -m " + stories_model() + " --plan-json " + dir_.file("p.json"), nullptr, &err), 1)
      << err;
  EXPECT_NE(err.find("--plan-json goes with --plan"), std::string::npos) << err;
}

TEST(CliPlan, AServedModelIsSentNothingAndOnlyItsStepsAreUnknown) {
  // Nothing listens on the port: a plan that contacted the served model would fail.
  DeadPort port;
  TempDir dir;
  const std::string config = dir.file("exp.yaml");
  write_file(config, "name: served\n"
                     "data:\n  train: " + shared_path("data/sst2/train.jsonl") + "\n  golden: " +
                         shared_path("data/sst2/test.jsonl") + "\n  max_train: 80\n  max_golden: 30\n"
                     "domain: movie\n"
                     "models:\n  - name: local\n    model: " + stories_model() + "\n    chat_template: plain\n    threads: 1\n"
                     "  - name: served\n    endpoints: [http://127.0.0.1:" + std::to_string(port.port()) + "]\n"
                     "    served_model: stories\n    chat_template: plain\n"
                     "samples: 12\ngeneration:\n  max_tokens: 12\n"
                     "personas:\n  k: 3\n  per_cluster: 3\n  max_tokens: 16\n"
                     "fit:\n  exemplars: 8\n  epochs: 1\n  max_val: 6\n  batch: 32\n"
                     "methods: [mop, zerogen]\n"
                     "transfer:\n  fit: [local]\n  simulate: [served]\n");
  const std::string json = dir.file("plan.json");
  std::string out, err;
  ASSERT_EQ(run_command(cli_path() + " experiment " + config + " --out " + dir.file("exp") + " --plan --plan-json " + json, &out, &err), 0)
      << err;
  const auto plan = nlohmann::json::parse(read_file(json));
  const auto* served = step(plan, "set transfer-local-to-served");
  ASSERT_NE(served, nullptr);
  EXPECT_EQ(generated(*served), 12u);
  EXPECT_GT((*served)["generate"]["prompt_tokens"].get<size_t>(), 0u);  // about four characters a token
  EXPECT_TRUE((*served)["seconds"].is_null());
  ASSERT_NE(step(plan, "set mop"), nullptr);
  EXPECT_TRUE((*step(plan, "set mop"))["seconds"].is_number());
  EXPECT_FALSE(plan["rates"]["served"]["known"].get<bool>());
  EXPECT_TRUE(plan["total"]["seconds"].is_null());
  EXPECT_GT(plan["total"]["known_seconds"].get<double>(), 0);
  EXPECT_NE(out.find("unknown (known part"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir.file("exp")));
}
