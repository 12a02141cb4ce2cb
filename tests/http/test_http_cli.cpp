// The CLI against real llama-server instances on 127.0.0.1 (built from the pinned llama.cpp):
// simulate spread over two servers, a server killed mid-run, mop killed mid-run and rerun, the
// scoring-capability check, the API key, embeddings, and a bounded load test.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "mop/lm_open.h"
#include "mop/util/npy.h"
#include "support/counting_proxy.h"
#include "support/llama_server.h"
#include "support/paths.h"
#include "support/process.h"
#include "support/tiny_bert.h"
#include "support/vllm_fake.h"

using namespace mop::test;
namespace fs = std::filesystem;

namespace {

std::string sh_quote(const std::string& s) { return "'" + s + "'"; }

class HttpCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    LlamaServerOptions o;
    o.model = stories_model();
    a_ = new LlamaServer(o, dir_->file("server_a.log"));
    b_ = new LlamaServer(o, dir_->file("server_b.log"));
    // 60 real SST-2 sentences; personas through the servers, the fit in process (llama-server
    // cannot score).
    write_sst2_sample(data(), 60);
    std::string err;
    ASSERT_EQ(run_command(mop() + "personas --data " + data() + " --k 3 --domain movie --max-tokens 16" + endpoints() +
                              " -o " + personas(),
                          nullptr, &err),
              0)
        << err;
    ASSERT_EQ(run_command(mop() + "fit --data " + data() + " --personas " + personas() + " --run " + run() + " -m " +
                              stories_model() + " --threads 1 --chat-template plain --domain movie --exemplars 6 --top-m 2 "
                              "--epochs 1 --batch 16 --max-val 4 --reference-pairs 2 --seed 4",
                          nullptr, &err),
              0)
        << err;
  }
  static void TearDownTestSuite() {
    delete a_;
    delete b_;
    delete dir_;
  }
  static std::string mop() { return cli_path() + " "; }
  static std::string endpoints() { return " --endpoint " + a_->url() + " --endpoint " + b_->url(); }
  static std::string data() { return dir_->file("sst2.jsonl"); }
  static std::string personas() { return dir_->file("personas.jsonl"); }
  static std::string run() { return dir_->file("run"); }
  static std::string simulate(const std::string& model_flags, const std::string& out, int n, const std::string& extra = "") {
    return mop() + "simulate --run " + run() + model_flags + " -n " + std::to_string(n) +
           " --max-tokens 12 --seed 3 --chat-template plain -o " + out + extra;
  }
  // Indices of a finished output: each of 0..n-1 exactly once.
  static void expect_complete(const std::string& path, size_t n) {
    const auto rows = jsonl(path);
    ASSERT_EQ(rows.size(), n) << path;
    std::set<size_t> seen;
    for (const auto& r : rows) seen.insert(r.at("index").get<size_t>());
    EXPECT_EQ(seen.size(), n);
    EXPECT_EQ(*seen.rbegin(), n - 1);
    EXPECT_FALSE(fs::exists(path + ".partial"));
  }
  static void wait_for_lines(const std::string& path, size_t lines, Process& p) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (count_lines(path) < lines && p.running() && std::chrono::steady_clock::now() < end)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  static TempDir* dir_;
  static LlamaServer *a_, *b_;
};
TempDir* HttpCli::dir_ = nullptr;
LlamaServer* HttpCli::a_ = nullptr;
LlamaServer* HttpCli::b_ = nullptr;

}  // namespace

TEST_F(HttpCli, SimulateOverTwoEndpointsGivesAsManyRecordsAsInProcess) {
  const std::string local = dir_->file("local.jsonl"), remote = dir_->file("remote.jsonl");
  std::string err;
  ASSERT_EQ(run_command(simulate(" -m " + stories_model() + " --threads 1", local, 24), nullptr, &err), 0) << err;
  ASSERT_EQ(run_command(simulate(endpoints(), remote, 24, " --chunk 8"), nullptr, &err), 0) << err;
  expect_complete(local, 24);
  expect_complete(remote, 24);
  const auto rows = jsonl(remote);
  EXPECT_EQ(rows[0]["provenance"]["model"], "http:stories");
  // The same personas and exemplars are drawn: they depend on the run and seed, not the backend.
  const auto local_rows = jsonl(local);
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i]["provenance"]["persona_id"], local_rows[i]["provenance"]["persona_id"]);
}

TEST_F(HttpCli, RunCompletesWhenOneServerIsKilledMidRun) {
  LlamaServerOptions o;
  o.model = stories_model();
  LlamaServer c(o, dir_->file("server_c.log")), d(o, dir_->file("server_d.log"));
  const std::string out = dir_->file("survive.jsonl");
  Process mop_run({"/bin/sh", "-c",
                   "exec " + simulate(" --endpoint " + c.url() + " --endpoint " + d.url() + " --max-in-flight 2", out, 160,
                                      " --chunk 8")},
                  dir_->file("survive.log"));
  wait_for_lines(out + ".partial", 16, mop_run);
  ASSERT_TRUE(mop_run.running()) << read_file(dir_->file("survive.log"));
  d.kill();
  EXPECT_EQ(mop_run.wait(), 0) << read_file(dir_->file("survive.log"));
  expect_complete(out, 160);
  EXPECT_NE(read_file(dir_->file("survive.log")).find("set aside"), std::string::npos);
}

TEST_F(HttpCli, KilledRunRerunLosesAndDuplicatesNothing) {
  const std::string out = dir_->file("resume.jsonl");
  const std::string cmd = simulate(endpoints(), out, 120, " --chunk 6");
  Process first({"/bin/sh", "-c", "exec " + cmd}, dir_->file("resume1.log"));
  wait_for_lines(out + ".partial", 18, first);
  ASSERT_TRUE(first.running()) << read_file(dir_->file("resume1.log"));
  first.kill(SIGKILL);
  const auto before = jsonl(out + ".partial");
  ASSERT_GE(before.size(), 18u);
  ASSERT_LT(before.size(), 120u);
  // The rerun may use other replicas: the job is keyed by the served model, not the endpoints.
  std::string err;
  ASSERT_EQ(run_command(simulate(" --endpoint " + b_->url(), out, 120, " --chunk 6"), nullptr, &err), 0) << err;
  expect_complete(out, 120);
  // Records written before the crash are kept as they were, not drawn again.
  const auto after = jsonl(out);
  for (const auto& r : before) EXPECT_EQ(after[r.at("index").get<size_t>()], r);
}

TEST_F(HttpCli, ScoringAgainstLlamaServerFailsAtStartUpNamingTheCapability) {
  std::string err;
  EXPECT_EQ(run_command(mop() + "lm score --endpoint " + a_->url() + " --prompt 'Once' --continuation ' upon'", nullptr, &err), 1);
  EXPECT_NE(err.find("endpoint " + a_->url() + " cannot score"), std::string::npos) << err;
  EXPECT_NE(err.find("prompt_logprobs"), std::string::npos) << err;
  EXPECT_NE(err.find("echo answer has no prompt logprobs"), std::string::npos) << err;  // it returns only generated-token logprobs
  // mop fit checks before reading or embedding anything.
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(run_command(mop() + "fit --data " + data() + " --personas " + personas() + " --run " + dir_->file("run_http") +
                            endpoints() + " --domain movie",
                        nullptr, &err),
            1);
  EXPECT_NE(err.find("cannot score"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(dir_->file("run_http") + "/gate.bin"));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(30));
}

TEST_F(HttpCli, ApiKeyComesFromTheEnvironmentAndIsWrittenNowhere) {
  const std::string key = "sk-mop-test-7c1e5d2a";
  LlamaServerOptions o;
  o.model = stories_model();
  o.api_key = key;
  LlamaServer s(o, dir_->file("server_key.log"));
  const std::string out = dir_->file("keyed.jsonl");
  std::string log, err;
  // Without the key the server refuses: one clear error naming the endpoint and status.
  EXPECT_EQ(run_command("env -u MOP_API_KEY " + simulate(" --endpoint " + s.url(), out, 4), nullptr, &err), 1);
  EXPECT_NE(err.find("401"), std::string::npos) << err;
  EXPECT_NE(err.find(s.url()), std::string::npos) << err;
  // With it, everything works; the key appears in no output, partial file, log or message.
  ASSERT_EQ(run_command("MOP_API_KEY=" + key + " " + simulate(" --endpoint " + s.url(), out, 6, " --chunk 2"), &log, &err), 0) << err;
  expect_complete(out, 6);
  EXPECT_EQ((log + err).find(key), std::string::npos);
  const std::string gen = dir_->file("keyed_gen.jsonl");
  ASSERT_EQ(run_command("MOP_API_KEY=" + key + " " + mop() + "lm generate --endpoint " + s.url() +
                            " --prompt 'Once upon a time' --max-tokens 4 -o " + gen,
                        &log, &err),
            0)
      << err;
  EXPECT_EQ((log + err).find(key), std::string::npos);
  for (const auto& entry : fs::recursive_directory_iterator(dir_->path())) {
    if (!entry.is_regular_file() || entry.path().filename() == "server_key.log") continue;  // the server's own log
    EXPECT_EQ(read_file(entry.path().string()).find(key), std::string::npos) << entry.path();
  }
  // A key on the command line is not an option at all.
  EXPECT_NE(run_command(mop() + "lm generate --endpoint " + s.url() + " --api-key " + key + " --prompt x", nullptr, &err), 0);
}

TEST_F(HttpCli, LmGenerateThroughCompletionsAndChat) {
  const std::string prompts = dir_->file("prompts.jsonl"), out = dir_->file("gen.jsonl"), chat = dir_->file("chat.jsonl");
  write_file(prompts, "{\"id\": \"a\", \"prompt\": \"Once upon a time\"}\n{\"id\": \"b\", \"user\": \"Tell a story.\"}\n");
  std::string err;
  ASSERT_EQ(run_command(mop() + "lm generate" + endpoints() + " --prompts " + prompts + " --max-tokens 8 --ignore-eos -o " + out,
                        nullptr, &err),
            0)
      << err;
  const auto rows = jsonl(out);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["id"], "a");
  EXPECT_EQ(rows[0]["n_tokens"], 8);  // usage.completion_tokens of the answer
  EXPECT_EQ(rows[0]["finish_reason"], "length");
  EXPECT_FALSE(rows[0]["text"].get<std::string>().empty());
  ASSERT_EQ(run_command(mop() + "lm generate" + endpoints() + " --api chat --prompts " + prompts +
                            " --max-tokens 6 --ignore-eos -o " + chat,
                        nullptr, &err),
            0)
      << err;
  EXPECT_EQ(jsonl(chat).size(), 2u);
  EXPECT_EQ(jsonl(chat)[1]["n_tokens"], 6);
  // -m and --endpoint together are refused.
  EXPECT_NE(run_command(mop() + "lm generate -m " + stories_model() + endpoints() + " --prompt x", nullptr, &err), 0);
}

TEST_F(HttpCli, EmbeddingsOverTwoEndpointsMatchInProcess) {
  const std::string bert = dir_->file("tiny-bert.gguf");
  write_tiny_bert(bert, TinyBertShape{});
  LlamaServerOptions o;
  o.model = bert;
  o.alias = "tiny-bert";
  o.embeddings = true;
  o.ctx = 128;
  o.ctx_train = 0;  // texts are cut to the model's 64 positions on both sides
  o.slots = 2;
  LlamaServer e1(o, dir_->file("emb1.log")), e2(o, dir_->file("emb2.log"));
  const std::string remote = dir_->file("remote.npy"), local = dir_->file("local.npy");
  std::string err;
  ASSERT_EQ(run_command(mop() + "embed --endpoint " + e1.url() + " --endpoint " + e2.url() + " --input " + data() +
                            " --no-cache --batch-size 8 -o " + remote,
                        nullptr, &err),
            0)
      << err;
  ASSERT_EQ(run_command(mop() + "embed --encoder " + bert + " --threads 1 --input " + data() + " --no-cache -o " + local,
                        nullptr, &err),
            0)
      << err;
  const auto r = mop::util::read_npy(remote), l = mop::util::read_npy(local);
  ASSERT_EQ(r.rows(), l.rows());
  ASSERT_EQ(r.cols(), l.cols());
  EXPECT_LT((r - l).cwiseAbs().maxCoeff(), 1e-3);
}

TEST_F(HttpCli, LoadTestTwoThousandGenerationsKeepTheInFlightLimit) {
  CountingProxy pa(a_->url()), pb(b_->url());
  mop::lm::ModelOptions o;
  o.http.endpoints = {pa.url(), pb.url()};
  o.http.max_in_flight = 4;
  auto model = mop::lm::open_model(o);
  std::vector<mop::lm::GenerateRequest> requests(2000);
  for (size_t i = 0; i < requests.size(); ++i) {
    requests[i].prompt = "Once upon a time " + std::to_string(i);
    requests[i].sampling.max_tokens = 2;
    requests[i].sampling.seed = i;
  }
  const auto t0 = std::chrono::steady_clock::now();
  const auto out = model->generate(requests);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(out.size(), 2000u);
  for (const auto& g : out) EXPECT_GE(g.n_tokens, 1);
  std::printf("load test: 2000 generations in %.1f s: %.0f requests/s; max in flight %d and %d (limit 4)\n", s, 2000 / s,
              pa.max_in_flight(), pb.max_in_flight());
  RecordProperty("requests_per_s", static_cast<int>(2000 / s));
  EXPECT_LE(pa.max_in_flight(), 4);
  EXPECT_LE(pb.max_in_flight(), 4);
  EXPECT_EQ(pa.max_in_flight() + pb.max_in_flight(), 8);  // the limit is reached, so the count can see it
  EXPECT_EQ(pa.requests() + pb.requests(), 2000 + 2);    // + one GET /v1/models each at start-up
  EXPECT_GT(pa.requests(), 500);
  EXPECT_GT(pb.requests(), 500);
}

TEST_F(HttpCli, FitScoresThroughAVllmStyleServerAndBaselinesGenerateThroughLlamaServer) {
  // fit needs prompt_logprobs: the vLLM-format stand-in computes them from stories260K.
  VllmFake vllm(stories_model(), "stories");
  const std::string run_v = dir_->file("run_vllm");
  std::string err;
  ASSERT_EQ(run_command(mop() + "fit --data " + data() + " --personas " + personas() + " --run " + run_v + " --endpoint " +
                            vllm.url() + " --score-top-k 32 --chat-template plain --domain movie --exemplars 6 --top-m 2 "
                            "--epochs 1 --batch 16 --max-val 4 --reference-pairs 2 --seed 4",
                        nullptr, &err),
            0)
      << err;
  EXPECT_TRUE(fs::exists(run_v + "/gate.bin"));
  EXPECT_NE(read_file(run_v + "/config.json").find("http:stories"), std::string::npos);
  EXPECT_GT(vllm.requests(), 10);
  // The fitted run simulates through llama-server.
  const std::string sim = dir_->file("vllm_sim.jsonl");
  ASSERT_EQ(run_command(mop() + "simulate --run " + run_v + endpoints() + " -n 5 --max-tokens 8 -o " + sim, nullptr, &err), 0) << err;
  expect_complete(sim, 5);
  const std::string zero = dir_->file("zerogen.jsonl");
  ASSERT_EQ(run_command(mop() + "baseline zerogen" + endpoints() + " --domain movie -n 6 --max-tokens 8 -o " + zero, nullptr, &err), 0)
      << err;
  expect_complete(zero, 6);
}
