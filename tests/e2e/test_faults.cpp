// Fault tests: mop killed with SIGKILL at chosen on-disk states during fit, simulate, baseline, eval
// and embedding-cache writes, then rerun; and writes past a file-size limit (ulimit -f, as a full
// disk). Outputs must end complete, identical to an uninterrupted run, never duplicated; files on
// disk at any kill point must be whole (checkpoints pass their checksum).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>

#include "mop/gate.h"
#include "mop/util/npy.h"
#include "support/kill_at.h"
#include "support/paths.h"
#include "support/shared_data.h"
#include "support/tiny_bert.h"

using namespace mop::test;
namespace fs = std::filesystem;

namespace {

class Faults : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    // 80 real SST-2 training sentences, and 60 test sentences as a golden set for eval.
    write_sst2_sample(data(), 80);
    write_slice("sst2/test.jsonl", 0, 60, dir_->file("golden.jsonl"));
  }
  static void TearDownTestSuite() { delete dir_; }

  static std::string cli() { return cli_path() + " "; }
  static std::string model_flags() { return " -m " + stories_model() + " --threads 1"; }
  static std::string data() { return dir_->file("sst2.jsonl"); }
  // Personas and the uninterrupted reference run are made by the first test that needs them:
  // each test is its own process under ctest, and the eval and cache tests need neither.
  static std::string personas() {
    const std::string path = dir_->file("personas.jsonl");
    std::string err;
    if (!fs::exists(path) &&
        run_command(cli() + "personas --data " + data() + " --k 4 --domain movie --max-tokens 24" + model_flags() + " -o " + path,
                    nullptr, &err) != 0)
      throw std::runtime_error("mop personas failed: " + err);
    return path;
  }
  static std::string ref_run() {
    const std::string run = dir_->file("ref_run");
    std::string err;
    if (!fs::exists(run + "/gate.bin") && run_command(fit_command(run), nullptr, &err) != 0)
      throw std::runtime_error("reference fit failed: " + err);
    return run;
  }
  static std::string fit_command(const std::string& run) {
    return cli() + "fit --data " + data() + " --personas " + personas() + " --run " + run + model_flags() +
           " --domain movie --exemplars 8 --top-m 2 --epochs 4 --batch 24 --max-val 8 --reference-pairs 2 --seed 4";
  }
  static std::string simulate_command(const std::string& out) {
    return cli() + "simulate --run " + ref_run() + model_flags() + " -n 60 --chunk 2 --max-tokens 24 --seed 9 -o " + out;
  }
  static std::string eval_command(const std::string& out) {
    return cli() + "eval --golden " + dir_->file("golden.jsonl") + " --synthetic " + data() + " --seed 3 --out " + out;
  }
  // Runs `command` under a file-size limit of `kb` KiB; mop must not be killed by SIGXFSZ.
  static int with_file_limit(int kb, const std::string& command, std::string* err) {
    return run_command("bash -c 'ulimit -f " + std::to_string(kb) + "; exec " + command + "'", nullptr, err);
  }
  static TempDir* dir_;
};
TempDir* Faults::dir_ = nullptr;

std::string ckpt(const std::string& run, int epoch) {
  char name[32];
  std::snprintf(name, sizeof name, "epoch-%04d.ckpt", epoch);
  return run + "/checkpoints/" + name;
}

// The training log without its timings, which differ from run to run.
std::vector<nlohmann::json> log_without_seconds(const std::string& run) {
  auto lines = jsonl(run + "/train_log.jsonl");
  for (auto& l : lines) l.erase("seconds");
  return lines;
}

// Every file of a killed run is whole: each checkpoint passes its checksum and holds the same gate
// as the uninterrupted run's checkpoint of that epoch; JSON files parse; the log has no repeats.
void expect_run_dir_sound(const std::string& run, const std::string& ref) {
  if (fs::exists(run + "/config.json")) EXPECT_TRUE(nlohmann::json::accept(read_file(run + "/config.json")));
  for (const char* f : {"train_log.jsonl", "exemplars.jsonl", "personas.jsonl"})
    if (fs::exists(run + "/" + f)) EXPECT_NO_THROW(jsonl(run + "/" + f)) << f;
  if (fs::exists(run + "/train_log.jsonl")) {
    const auto log = jsonl(run + "/train_log.jsonl");
    for (size_t i = 0; i < log.size(); ++i) EXPECT_EQ(log[i]["epoch"].get<int>(), static_cast<int>(i) + 1);
  }
  if (!fs::exists(run + "/checkpoints")) return;
  for (const auto& entry : fs::directory_iterator(run + "/checkpoints")) {
    const std::string name = entry.path().filename().string();
    if (name[0] == '.') continue;  // a temporary file of a killed write: never read
    try {
      const auto got = mop::method::load_checkpoint(entry.path());
      const auto want = mop::method::load_checkpoint(ref + "/checkpoints/" + name);
      EXPECT_EQ(got.gate.params().wx, want.gate.params().wx) << name;
      EXPECT_EQ(got.gate.params().tau, want.gate.params().tau) << name;
    } catch (const std::exception& e) {
      ADD_FAILURE() << name << ": " << e.what();
    }
  }
}

TEST_F(Faults, FitKilledBeforeAndAfterEachCheckpointResumesToTheSameGate) {
  const std::string run = dir_->file("killed_run");
  // Killed before any checkpoint (possibly before exemplars.jsonl and personas.jsonl were written).
  auto k = run_and_kill_when(fit_command(run), exists(run + "/config.json"));
  ASSERT_TRUE(k.killed) << "fit ended (status " << k.exit_status << ") before it could be killed";
  expect_run_dir_sound(run, ref_run());
  // Killed as each checkpoint lands: before its log line is written, most of the time.
  for (int epoch = 1; epoch <= 3; ++epoch) {
    k = run_and_kill_when(fit_command(run) + " --resume", exists(ckpt(run, epoch)));
    ASSERT_TRUE(k.killed) << "epoch " << epoch << ": fit ended (status " << k.exit_status << ")";
    SCOPED_TRACE("killed after checkpoint " + std::to_string(epoch));
    expect_run_dir_sound(run, ref_run());
  }
  std::string err;
  ASSERT_EQ(run_command(fit_command(run) + " --resume", nullptr, &err), 0) << err;
  expect_run_dir_sound(run, ref_run());
  EXPECT_EQ(sha256_file(run + "/gate.bin"), sha256_file(ref_run() + "/gate.bin"));
  for (const char* f : {"exemplars.jsonl", "personas.jsonl", "encoder.state.json"})
    EXPECT_EQ(sha256_file(run + "/" + f), sha256_file(ref_run() + "/" + f)) << f;
  EXPECT_EQ(log_without_seconds(run), log_without_seconds(ref_run()));
}

// The lines of a .partial file: no index twice, and each line as the uninterrupted run wrote it.
void expect_partial_sound(const std::string& partial, const std::map<size_t, std::string>& whole) {
  std::set<size_t> seen;
  std::ifstream in(partial);
  for (std::string line; std::getline(in, line);) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const std::exception&) {
      continue;  // a torn last line: dropped on rerun
    }
    const size_t i = j.at("index").get<size_t>();
    EXPECT_TRUE(seen.insert(i).second) << "index " << i << " twice in " << partial;
    ASSERT_TRUE(whole.count(i)) << i;
    EXPECT_EQ(line, whole.at(i)) << "index " << i;
  }
}

std::map<size_t, std::string> lines_by_index(const std::string& path) {
  std::map<size_t, std::string> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) out[nlohmann::json::parse(line).at("index").get<size_t>()] = line;
  return out;
}

// Kills `command` (writing `out`) at each count of finished lines, reruns it to the end, and
// compares with the uninterrupted `whole`.
void kill_repeatedly_then_finish(const std::string& command, const std::string& out, const std::string& whole,
                                 std::initializer_list<size_t> kill_at_lines) {
  const auto want = lines_by_index(whole);
  for (size_t n : kill_at_lines) {
    const auto k = run_and_kill_when(command, has_lines(out + ".partial", n));
    ASSERT_TRUE(k.killed) << "ended (status " << k.exit_status << ") before " << n << " lines";
    EXPECT_FALSE(fs::exists(out)) << "no final file before the end";
    expect_partial_sound(out + ".partial", want);
  }
  std::string err;
  ASSERT_EQ(run_command(command, nullptr, &err), 0) << err;
  EXPECT_EQ(read_file(out), read_file(whole));
  EXPECT_FALSE(fs::exists(out + ".partial"));
  EXPECT_FALSE(fs::exists(out + ".partial.json"));
}

TEST_F(Faults, SimulateKilledThreeTimesEndsCompleteWithoutDuplicates) {
  const std::string whole = dir_->file("sim_whole.jsonl"), cut = dir_->file("sim_cut.jsonl");
  std::string err;
  ASSERT_EQ(run_command(simulate_command(whole), nullptr, &err), 0) << err;
  kill_repeatedly_then_finish(simulate_command(cut), cut, whole, {4, 12, 20});
}

TEST_F(Faults, BaselineKilledTwiceEndsComplete) {
  const auto command = [&](const std::string& out) {
    return cli() + "baseline zerogen" + model_flags() + " --domain movie -n 60 --chunk 2 --max-tokens 24 --seed 5 -o " + out;
  };
  const std::string whole = dir_->file("zg_whole.jsonl"), cut = dir_->file("zg_cut.jsonl");
  std::string err;
  ASSERT_EQ(run_command(command(whole), nullptr, &err), 0) << err;
  kill_repeatedly_then_finish(command(cut), cut, whole, {6, 18});
}

// True once `path` is a different file from the one there now (atomic writes rename a new inode in).
std::function<bool()> replaced(const std::string& path) {
  struct stat before{};
  const ino_t old = ::stat(path.c_str(), &before) == 0 ? before.st_ino : 0;
  return [path, old] {
    struct stat now{};
    return ::stat(path.c_str(), &now) == 0 && now.st_ino != old;
  };
}

TEST_F(Faults, EvalKilledNeverLeavesAHalfWrittenFile) {
  const std::string ref = dir_->file("eval_ref"), out = dir_->file("eval_out");
  std::string err;
  ASSERT_EQ(run_command(eval_command(ref), nullptr, &err), 0) << err;
  const std::vector<std::string> files = {"metrics.json", "metrics.md", "report.html", "encoder_state.json"};
  // Killed before anything is written: no metrics at all.
  auto k = run_and_kill_when(eval_command(out), exists(out + "/encoder_state.json"));
  ASSERT_TRUE(k.killed) << "eval ended (status " << k.exit_status << ")";
  EXPECT_FALSE(fs::exists(out + "/metrics.json"));
  ASSERT_EQ(run_command(eval_command(out), nullptr, &err), 0) << err;
  // Rerun over complete outputs, killed as each file is replaced: every file is whole.
  for (const auto& f : files) {
    k = run_and_kill_when(eval_command(out), replaced(out + "/" + f));
    // report.html is the last write: the process may be gone before the watcher looks again.
    ASSERT_TRUE(k.killed || (f == "report.html" && k.exit_status == 0)) << f << ": status " << k.exit_status;
    for (const auto& g : files) EXPECT_EQ(sha256_file(out + "/" + g), sha256_file(ref + "/" + g)) << "killed at " << f << ": " << g;
  }
}

TEST_F(Faults, EvalKilledAfterSomeSetsContinuesFromTheirStoredResults) {
  // Two synthetic sets and the ceiling: three comparisons, each kept in sets/ once computed.
  const auto command = [&](const std::string& out) {
    return eval_command(out) + " --synthetic " + dir_->file("golden.jsonl") + " --train " + data();
  };
  const std::string ref = dir_->file("eval_sets_ref"), out = dir_->file("eval_sets_out");
  std::string err;
  ASSERT_EQ(run_command(command(ref), nullptr, &err), 0) << err;
  const auto stored = [out] {
    std::error_code ec;
    fs::directory_iterator it(out + "/sets", ec);
    return !ec && std::count_if(it, fs::directory_iterator{}, [](const auto& e) { return e.path().extension() == ".json"; }) >= 1;
  };
  const auto k = run_and_kill_when(command(out), stored);
  ASSERT_TRUE(k.killed) << "eval ended (status " << k.exit_status << ")";
  EXPECT_FALSE(fs::exists(out + "/metrics.json"));
  ASSERT_EQ(run_command(command(out), nullptr, &err), 0) << err;
  EXPECT_NE(err.find("reusing the stored result"), std::string::npos) << err;
  for (const char* f : {"metrics.json", "metrics.md", "report.html"})
    EXPECT_EQ(sha256_file(out + "/" + f), sha256_file(ref + "/" + f)) << f;
}

// True once another connection can read committed rows in the cache. A WAL-size threshold is not
// enough: on a fast machine the size is crossed while the first commit's frames are still being
// written, and a kill there leaves no committed row.
std::function<bool()> cache_has_rows(const std::string& db_path) {
  return [db_path] {
    if (!fs::exists(db_path + "-wal")) return false;  // WAL mode not switched on yet
    sqlite3* db = nullptr;
    bool found = false;
    if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
      sqlite3_stmt* st = nullptr;
      if (sqlite3_prepare_v2(db, "SELECT 1 FROM embeddings LIMIT 1", -1, &st, nullptr) == SQLITE_OK) {
        found = sqlite3_step(st) == SQLITE_ROW;
      }
      sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return found;
  };
}

TEST_F(Faults, EmbeddingCacheKilledMidFillStaysConsistent) {
  TempDir dir;
  write_tiny_bert(dir.file("bert.gguf"), TinyBertShape{});
  // 3000 SST-2 sentences: six chunks of 512, each committed to the cache on its own.
  write_slice("sst2/train.jsonl", 0, 3000, dir.file("texts.jsonl"));
  const std::string cache = dir.file("cache");
  const auto command = [&](const std::string& out, const std::string& extra) {
    return cli() + "embed --encoder " + dir.file("bert.gguf") + " --threads 1 --input " + dir.file("texts.jsonl") +
           " --cache-dir " + cache + " --out " + out + extra;
  };
  std::string err;
  ASSERT_EQ(run_command(command(dir.file("ref.npy"), " --no-cache"), nullptr, &err), 0) << err;
  // Killed once the cache holds a committed chunk, while later chunks are still to come.
  const auto k = run_and_kill_when(command(dir.file("cut.npy"), ""), cache_has_rows(cache + "/embeddings.sqlite"));
  ASSERT_TRUE(k.killed) << "embed ended (status " << k.exit_status << ")";
  EXPECT_FALSE(fs::exists(dir.file("cut.npy")));
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2((cache + "/embeddings.sqlite").c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "ok");
    sqlite3_finalize(st);
    ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT count(*), min(length(vector)), max(length(vector)) FROM embeddings", -1, &st, nullptr),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    const int rows = sqlite3_column_int(st, 0);
    EXPECT_GT(rows, 0) << "killed before the first commit";
    EXPECT_LT(rows, 3000) << "killed after the last commit";
    EXPECT_EQ(sqlite3_column_int(st, 1), 32 * 4);
    EXPECT_EQ(sqlite3_column_int(st, 2), 32 * 4);
    sqlite3_finalize(st);
    sqlite3_close(db);
  }
  ASSERT_EQ(run_command(command(dir.file("cut.npy"), ""), nullptr, &err), 0) << err;
  // Rows from the cache and rows encoded now came from differently composed model batches, so
  // they agree to float rounding, not bit for bit.
  const auto cut = mop::util::read_npy(dir.file("cut.npy")), ref = mop::util::read_npy(dir.file("ref.npy"));
  ASSERT_EQ(cut.rows(), ref.rows());
  ASSERT_EQ(cut.cols(), ref.cols());
  EXPECT_LT((cut - ref).cwiseAbs().maxCoeff(), 1e-5f);
}

TEST_F(Faults, SimulatePastTheFileSizeLimitFailsClearlyAndKeepsTheOldOutput) {
  const std::string whole = dir_->file("limit_whole.jsonl"), out = dir_->file("limit.jsonl");
  std::string err;
  ASSERT_EQ(run_command(simulate_command(whole), nullptr, &err), 0) << err;
  write_file(out, "previous complete output\n");
  EXPECT_EQ(with_file_limit(4, simulate_command(out), &err), 1) << err;
  EXPECT_NE(err.find("mop: error: cannot write " + out + ".partial: File too large"), std::string::npos) << err;
  EXPECT_EQ(read_file(out), "previous complete output\n");
  ASSERT_EQ(run_command(simulate_command(out), nullptr, &err), 0) << err;
  EXPECT_EQ(read_file(out), read_file(whole));
}

TEST_F(Faults, FitPastTheFileSizeLimitFailsAtTheCheckpointAndLeavesNothing) {
  const std::string run = dir_->file("limit_run");
  std::string err;
  // 64 KiB: config, personas, exemplars and the encoder state fit; the first checkpoint does not.
  EXPECT_EQ(with_file_limit(64, fit_command(run), &err), 1) << err;
  EXPECT_NE(err.find("mop: error: cannot write " + ckpt(run, 1) + ": File too large"), std::string::npos) << err;
  // A new run that failed before its first checkpoint is removed, so the same command can be rerun.
  EXPECT_FALSE(fs::exists(run));
  ASSERT_EQ(run_command(fit_command(run), nullptr, &err), 0) << err;
  EXPECT_EQ(sha256_file(run + "/gate.bin"), sha256_file(ref_run() + "/gate.bin"));
  EXPECT_EQ(log_without_seconds(run), log_without_seconds(ref_run()));
}

TEST_F(Faults, FitPastTheFileSizeLimitLaterKeepsEarlierCheckpointsAndResumes) {
  const std::string run = dir_->file("limit_run2");
  std::string err;
  ASSERT_EQ(run_command(fit_command(run), nullptr, &err), 0) << err;
  // Back to epoch 2 as a crash would leave it, then resumed under a limit just above checkpoint 2's size.
  fs::remove(run + "/gate.bin");
  fs::remove(ckpt(run, 3));
  fs::remove(ckpt(run, 4));
  const auto size2 = fs::file_size(ckpt(run, 2));
  const std::string sha2 = sha256_file(ckpt(run, 2));
  EXPECT_EQ(with_file_limit(static_cast<int>(size2 / 1024), fit_command(run) + " --resume", &err), 1) << err;
  EXPECT_NE(err.find("mop: error: cannot write " + ckpt(run, 3) + ": File too large"), std::string::npos) << err;
  EXPECT_EQ(sha256_file(ckpt(run, 2)), sha2) << "the last good checkpoint is untouched";
  expect_run_dir_sound(run, ref_run());
  ASSERT_EQ(run_command(fit_command(run) + " --resume", nullptr, &err), 0) << err;
  EXPECT_EQ(sha256_file(run + "/gate.bin"), sha256_file(ref_run() + "/gate.bin"));
  EXPECT_EQ(log_without_seconds(run), log_without_seconds(ref_run()));
}

TEST_F(Faults, EvalPastTheFileSizeLimitFailsAndKeepsEarlierResults) {
  const std::string out = dir_->file("eval_limit");
  std::string err;
  ASSERT_EQ(run_command(eval_command(out), nullptr, &err), 0) << err;
  std::map<std::string, std::string> before;
  for (const auto& e : fs::directory_iterator(out)) before[e.path().filename().string()] = sha256_file(e.path().string());
  // 1 KiB: the first output (encoder_state.json, ~2 KB) does not fit.
  EXPECT_EQ(with_file_limit(1, eval_command(out), &err), 1) << err;
  EXPECT_NE(err.find("mop: error: cannot write " + out + "/encoder_state.json: File too large"), std::string::npos) << err;
  std::map<std::string, std::string> after;
  for (const auto& e : fs::directory_iterator(out)) after[e.path().filename().string()] = sha256_file(e.path().string());
  EXPECT_EQ(after, before);
}

}  // namespace
