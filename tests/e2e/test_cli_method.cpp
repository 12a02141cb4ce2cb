// The method end to end through the CLI on real data (SST-2) and the small real model:
// personas -> fit -> simulate, resuming after a crash, transfer to another model, bad settings.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "support/kill_at.h"
#include "support/paths.h"
#include "support/tiny_gguf.h"

using namespace mop::test;
namespace fs = std::filesystem;

namespace {

class CliMethod : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    // 80 real SST-2 training sentences.
    write_sst2_sample(data(), 80);
    std::string err;
    ASSERT_EQ(run_command(mop() + " personas --data " + data() + " --k 4 --domain movie --max-tokens 24" + model_flags() + " -o " + personas(), nullptr, &err), 0) << err;
    ASSERT_EQ(run_command(fit_command(run_a()), nullptr, fit_err_), 0) << *fit_err_;
  }
  static void TearDownTestSuite() { delete dir_; }

  static std::string mop() { return cli_path() + " "; }
  static std::string model_flags() { return " -m " + stories_model() + " --threads 1"; }
  static std::string data() { return dir_->file("sst2.jsonl"); }
  static std::string personas() { return dir_->file("personas.jsonl"); }
  static std::string run_a() { return dir_->file("run_a"); }
  static std::string fit_command(const std::string& run, const std::string& top_m = "2") {
    return mop() + "fit --data " + data() + " --personas " + personas() + " --run " + run + model_flags() +
           " --domain movie --exemplars 8 --top-m " + top_m + " --epochs 3 --batch 24 --max-val 8 --reference-pairs 2 --seed 4";
  }
  static std::string simulate_command(const std::string& out, int n, const std::string& extra = "") {
    return mop() + "simulate --run " + run_a() + model_flags() + " -n " + std::to_string(n) + " --max-tokens 24 --seed 9 -o " + out + extra;
  }
  static TempDir* dir_;
  static inline std::string* fit_err_ = new std::string;  // what the first fit printed
};
TempDir* CliMethod::dir_ = nullptr;

}  // namespace

TEST_F(CliMethod, PersonasAreSynthesized) {
  const auto p = jsonl(personas());
  ASSERT_EQ(p.size(), 4u);
  int members = 0;
  for (const auto& j : p) {
    EXPECT_FALSE(j["text"].get<std::string>().empty());
    EXPECT_GT(j["cluster_size"].get<int>(), 0);
    members += j["cluster_size"].get<int>();
  }
  EXPECT_EQ(members, 80);
}

TEST_F(CliMethod, FitWritesTheRunDirectory) {
  for (const char* f : {"config.json", "personas.jsonl", "exemplars.jsonl", "encoder.state.json", "gate.bin", "train_log.jsonl",
                        "checkpoints/epoch-0003.ckpt"})
    EXPECT_TRUE(fs::exists(fs::path(run_a()) / f)) << f;
  const auto log = jsonl(run_a() + "/train_log.jsonl");
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(count_lines(run_a() + "/exemplars.jsonl"), 8u);
  // Later epochs reuse cached LM scores.
  EXPECT_EQ(log[0]["cache_hit_rate"].get<double>(), 0.0);
  EXPECT_GT(log[2]["cache_hit_rate"].get<double>(), 0.0);
  EXPECT_LT(log[2]["lm_pairs"].get<int>(), log[0]["lm_pairs"].get<int>());
}

TEST_F(CliMethod, FitSaysHowManyPairsTheGateUses) {
  // Each epoch's line and the summary give the effective numbers of pairs and personas.
  EXPECT_NE(fit_err_->find("epoch 3: "), std::string::npos) << *fit_err_;
  EXPECT_NE(fit_err_->find(" pairs, "), std::string::npos) << *fit_err_;
  EXPECT_NE(fit_err_->find("the fitted gate uses about"), std::string::npos) << *fit_err_;
  EXPECT_NE(fit_err_->find("exemplars per persona; temperatures "), std::string::npos) << *fit_err_;
  for (const auto& line : jsonl(run_a() + "/train_log.jsonl")) {
    EXPECT_LE(line["tau_min"].get<double>(), line["tau_max"].get<double>());
    EXPECT_GE(line["exemplars_per_persona"].get<double>(), 1.0 - 1e-9);
    EXPECT_LE(line["exemplars_per_persona"].get<double>(), 8 + 1e-9);
    EXPECT_GE(line["one_persona_share"].get<double>(), 0.0);
    EXPECT_LE(line["one_persona_share"].get<double>(), 1.0);
    const double pairs = line["effective_pairs"].get<double>(), personas = line["effective_personas"].get<double>();
    EXPECT_GE(pairs, 1.0 - 1e-9);
    EXPECT_LE(pairs, 4 * 8 + 1e-9);  // K x N
    EXPECT_GE(personas, 1.0 - 1e-9);
    EXPECT_LE(personas, 4 + 1e-9);
  }
  const auto config = nlohmann::json::parse(read_file(run_a() + "/config.json"));
  EXPECT_EQ(config["options"]["pair_choice"], "guided");
}

TEST_F(CliMethod, RunsFromBeforePairChoiceResumeOnlyWithThePapersRule) {
  // A run directory written before --pair-choice existed was fitted with the paper's top-M.
  const std::string run_b = dir_->file("run_old");
  fs::create_directories(run_b);
  fs::copy(run_a(), run_b, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  fs::remove(run_b + "/gate.bin");
  fs::remove(run_b + "/checkpoints/epoch-0003.ckpt");
  auto config = nlohmann::json::parse(read_file(run_b + "/config.json"));
  for (const char* key : {"pair_choice", "guided_pairs", "guide_weight", "guide_gate_share"}) config["options"].erase(key);
  write_file(run_b + "/config.json", config.dump());
  std::string err;
  EXPECT_EQ(run_command(fit_command(run_b) + " --resume", nullptr, &err), 1);
  EXPECT_NE(err.find("pair_choice (\"top-m\" there, \"guided\" now)"), std::string::npos) << err;
  ASSERT_EQ(run_command(fit_command(run_b) + " --resume --pair-choice top-m", nullptr, &err), 0) << err;
  EXPECT_TRUE(fs::exists(run_b + "/gate.bin"));
}

TEST_F(CliMethod, ResumedFitEndsWithTheSameWeights) {
  // A crash after epoch 1: later checkpoints, the gate and their log lines are gone.
  const std::string run_b = dir_->file("run_b");
  fs::create_directories(run_b);
  fs::copy(run_a(), run_b, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  fs::remove(run_b + "/gate.bin");
  fs::remove(run_b + "/checkpoints/epoch-0002.ckpt");
  fs::remove(run_b + "/checkpoints/epoch-0003.ckpt");
  std::ifstream log(run_b + "/train_log.jsonl");
  std::string first;
  std::getline(log, first);
  log.close();
  write_file(run_b + "/train_log.jsonl", first + "\n");
  std::string err;
  ASSERT_EQ(run_command(fit_command(run_b) + " --resume", nullptr, &err), 0) << err;
  EXPECT_EQ(read_file(run_b + "/gate.bin"), read_file(run_a() + "/gate.bin"));
  EXPECT_EQ(count_lines(run_b + "/train_log.jsonl"), 3u);
  // Without --resume an existing run is never overwritten.
  EXPECT_EQ(run_command(fit_command(run_b), nullptr, &err), 1);
  EXPECT_NE(err.find("already holds a run"), std::string::npos) << err;
}

TEST_F(CliMethod, SimulateIsDeterministicAndTraceable) {
  const std::string a = dir_->file("sim_a.jsonl"), b = dir_->file("sim_b.jsonl");
  std::string err;
  ASSERT_EQ(run_command(simulate_command(a, 12), nullptr, &err), 0) << err;
  ASSERT_EQ(run_command(simulate_command(b, 12, " --chunk 5"), nullptr, &err), 0) << err;
  EXPECT_EQ(read_file(a), read_file(b));
  const auto rows = jsonl(a);
  ASSERT_EQ(rows.size(), 12u);
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i]["index"].get<size_t>(), i);
    const auto& p = rows[i]["provenance"];
    EXPECT_GE(p["persona_id"].get<int>(), 0);
    EXPECT_LT(p["persona_id"].get<int>(), 4);
    EXPECT_GE(p["exemplar_id"].get<int>(), 0);
    EXPECT_LT(p["exemplar_id"].get<int>(), 8);
    EXPECT_GT(p["tau"].get<double>(), 0);
    EXPECT_NE(p["model"].get<std::string>().find("stories260K"), std::string::npos);
  }
}

TEST_F(CliMethod, SimulateKilledMidRunResumesWithoutLossOrDuplicates) {
  const std::string whole = dir_->file("whole.jsonl"), cut = dir_->file("cut.jsonl");
  std::string err;
  ASSERT_EQ(run_command(simulate_command(whole, 80, " --chunk 2"), nullptr, &err), 0) << err;
  // Start the same job, kill -9 it once some chunks are on disk, then rerun the command.
  const auto k = run_and_kill_when(simulate_command(cut, 80, " --chunk 2"), has_lines(cut + ".partial", 6));
  ASSERT_TRUE(k.killed) << "the run ended (status " << k.exit_status << ") before the kill";
  ASSERT_FALSE(fs::exists(cut)) << "killed before the end: no final file yet";
  ASSERT_EQ(run_command(simulate_command(cut, 80, " --chunk 2"), nullptr, &err), 0) << err;
  EXPECT_EQ(read_file(cut), read_file(whole));
  EXPECT_FALSE(fs::exists(cut + ".partial"));
}

TEST_F(CliMethod, TransferToAnotherModel) {
  // The run does not depend on the model it was fitted with: simulate with a different one.
  const std::string other = dir_->file("other.gguf");
  write_tiny_llama(other, llama_vocab_file("qwen2"), {});
  std::string err;
  const std::string out = dir_->file("transfer.jsonl");
  ASSERT_EQ(run_command(mop() + "simulate --run " + run_a() + " -m " + other + " --threads 1 -n 5 --max-tokens 8 -o " + out, nullptr, &err),
            0) << err;
  const auto rows = jsonl(out);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_NE(rows[0]["provenance"]["model"].get<std::string>().find("other.gguf"), std::string::npos);
}

TEST_F(CliMethod, ConditionIsStoredAsTheLabel) {
  const std::string out = dir_->file("cond.jsonl");
  std::string err;
  ASSERT_EQ(run_command(simulate_command(out, 3, " --condition 'You had a positive impression.' --label positive"), nullptr, &err), 0)
      << err;
  for (const auto& r : jsonl(out)) EXPECT_EQ(r["label"], "positive");
}

TEST_F(CliMethod, PersonaMixingMergesSeveralPersonas) {
  const std::string out = dir_->file("mix.jsonl");
  std::string err;
  ASSERT_EQ(run_command(simulate_command(out, 4, " --mix 2"), nullptr, &err), 0) << err;
  const auto rows = jsonl(out);
  ASSERT_EQ(rows.size(), 4u);
  for (const auto& r : rows) {
    const auto& p = r["provenance"];
    EXPECT_EQ(p["persona_ids"].size(), 2u);
    EXPECT_EQ(p["exemplar_ids"].size(), 2u);
    EXPECT_FALSE(p["merged_persona"].get<std::string>().empty());
  }
}

TEST_F(CliMethod, BadSettingsAreClearErrors) {
  std::string err;
  EXPECT_EQ(run_command(mop() + "personas --data " + data() + " --k 500" + model_flags() + " -o " + dir_->file("p.jsonl"), nullptr, &err), 1);
  EXPECT_NE(err.find("cannot make 500 personas from 80 records"), std::string::npos) << err;
  EXPECT_EQ(run_command(fit_command(dir_->file("bad1"), "100"), nullptr, &err), 1);
  EXPECT_NE(err.find("--top-m 100 is larger than"), std::string::npos) << err;
  EXPECT_EQ(run_command(fit_command(dir_->file("bad2")) + " --tau-init -1", nullptr, &err), 1);
  EXPECT_NE(err.find("temperatures must satisfy"), std::string::npos) << err;
  EXPECT_EQ(run_command(simulate_command(dir_->file("bad3.jsonl"), 3, " --mix 0"), nullptr, &err), 1);
  EXPECT_NE(err.find("--mix must be at least 1"), std::string::npos) << err;
}

// Ablation: random personas, exemplars by embedding similarity. With --similar-k 1 each persona
// always gets its one nearest exemplar, and personas are drawn without the gate (several appear).
TEST_F(CliMethod, RandomPersonaSimilarExemplarAblation) {
  const std::string out = dir_->file("random_similar.jsonl");
  std::string err;
  ASSERT_EQ(run_command(simulate_command(out, 24, " --gate random-similar --similar-k 1"), nullptr, &err), 0) << err;
  const auto rows = jsonl(out);
  ASSERT_EQ(rows.size(), 24u);
  std::map<int, std::set<int>> exemplars_of;
  const auto config = nlohmann::json::parse(read_file(run_a() + "/config.json"));
  for (const auto& r : rows) {
    exemplars_of[r["provenance"]["persona_id"].get<int>()].insert(r["provenance"]["exemplar_id"].get<int>());
    EXPECT_DOUBLE_EQ(r["provenance"]["tau"].get<double>(), config["options"]["gate"]["tau_init"].get<double>());
  }
  EXPECT_GE(exemplars_of.size(), 3u) << "24 uniform draws over 4 personas";
  for (const auto& [persona, ex] : exemplars_of) EXPECT_EQ(ex.size(), 1u) << "persona " << persona;
  // A wider neighbourhood gives some persona more than one exemplar.
  const std::string wide = dir_->file("random_similar_wide.jsonl");
  ASSERT_EQ(run_command(simulate_command(wide, 24, " --gate random-similar --similar-k 8"), nullptr, &err), 0) << err;
  std::map<int, std::set<int>> wide_of;
  for (const auto& r : jsonl(wide)) wide_of[r["provenance"]["persona_id"].get<int>()].insert(r["provenance"]["exemplar_id"].get<int>());
  size_t most = 0;
  for (const auto& [persona, ex] : wide_of) most = std::max(most, ex.size());
  EXPECT_GT(most, 1u);
  EXPECT_EQ(run_command(simulate_command(dir_->file("bad_gate.jsonl"), 3, " --gate nearest"), nullptr, &err), 1);
  EXPECT_NE(err.find("--gate must be learned or random-similar"), std::string::npos) << err;
}

// Topic-style labels: personas labelled by the multiple-choice question, and each sample carries
// its persona's label when no condition is given.
TEST_F(CliMethod, LabelledPersonasLabelTheirSamples) {
  const std::string labelled = dir_->file("labelled.jsonl");
  std::string err;
  ASSERT_EQ(run_command(mop() + "personas --from " + personas() + " --label-choices negative,positive --domain movie" +
                            model_flags() + " -o " + labelled,
                        nullptr, &err),
            0)
      << err;
  std::map<int, std::string> label_of;
  for (const auto& p : jsonl(labelled)) {
    const std::string l = p.value("label", "");
    EXPECT_TRUE(l == "negative" || l == "positive") << p.dump();
    label_of[p["id"].get<int>()] = l;
  }
  ASSERT_EQ(label_of.size(), 4u);
  const std::string run = dir_->file("run_labelled");
  ASSERT_EQ(run_command(mop() + "fit --data " + data() + " --personas " + labelled + " --run " + run + model_flags() +
                            " --domain movie --exemplars 8 --top-m 2 --epochs 1 --batch 40 --max-val 8 --reference-pairs 2",
                        nullptr, &err),
            0)
      << err;
  const std::string out = dir_->file("labelled_samples.jsonl");
  ASSERT_EQ(run_command(mop() + "simulate --run " + run + model_flags() + " -n 10 --max-tokens 12 -o " + out, nullptr, &err), 0)
      << err;
  const auto rows = jsonl(out);
  ASSERT_EQ(rows.size(), 10u);
  for (const auto& r : rows) EXPECT_EQ(r["label"], label_of.at(r["provenance"]["persona_id"].get<int>())) << r.dump();
  EXPECT_EQ(run_command(mop() + "personas --from " + personas() + " --label-choices onlyone" + model_flags() + " -o " +
                            dir_->file("bad_labels.jsonl"),
                        nullptr, &err),
            1);
  EXPECT_NE(err.find("between 2 and 26 label names"), std::string::npos) << err;
}

// Ablation: personas the LLM writes without seeing any data.
TEST_F(CliMethod, GenericPersonasAreWrittenWithoutData) {
  const std::string out = dir_->file("generic.jsonl");
  std::string err;
  ASSERT_EQ(run_command(mop() + "personas --generic --k 5 --domain movie --max-tokens 24 --seed 3" + model_flags() + " -o " + out,
                        nullptr, &err),
            0)
      << err;
  const auto rows = jsonl(out);
  ASSERT_EQ(rows.size(), 5u);
  std::set<std::string> texts;
  for (const auto& r : rows) {
    EXPECT_FALSE(r["text"].get<std::string>().empty());
    EXPECT_TRUE(r["member_ids"].empty()) << "no record was shown";
    texts.insert(r["text"].get<std::string>());
  }
  EXPECT_GE(texts.size(), 4u) << "sampled at temperature 1 with redraws of duplicates";
  EXPECT_EQ(run_command(mop() + "personas --generic --data " + data() + model_flags() + " -o " + out, nullptr, &err), 1);
  EXPECT_NE(err.find("give one of --data FILE"), std::string::npos) << err;
}
