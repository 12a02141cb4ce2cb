// The one generation loop (gen::run_generator) with a generator of its own, on a real model
// (stories260K), and the registry: names, settings checking and what each generator needs.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mop/error.h"
#include "mop/generators.h"
#include "mop/lm_llama.h"
#include "mop/util/jsonl.h"
#include "support/paths.h"
#include "support/stories_lm.h"

using namespace mop;

namespace {

// Two stages of samples; each plan says which chunk it was prepared in and how many lines of the
// earlier stage it saw, so the test can check the loop's calls.
class Staged final : public gen::Generator {
 public:
  explicit Staged(size_t n) : n_(n) {}
  nlohmann::json identity() const override { return {{"method", "staged"}}; }
  size_t stages() const override { return 2; }
  size_t stage_of(size_t index) const override { return index < n_ / 2 ? 0 : 1; }
  void begin_stage(size_t stage, const std::map<size_t, std::string>& written) override {
    stage_ = stage;
    seen_ = written.size();
  }
  void prepare_chunk(const std::vector<size_t>& indices) override { chunk_ = indices; }
  gen::Planned plan(size_t index) override {
    EXPECT_NE(std::find(chunk_.begin(), chunk_.end(), index), chunk_.end()) << "plan() of an index outside its chunk";
    EXPECT_EQ(stage_of(index), stage_);
    gen::Planned p;
    p.messages = {{"user", "Once upon a time, " + std::to_string(index)}};
    p.temperature = 0.8;
    p.label = index % 2 ? "odd" : "even";
    p.provenance = {{"seen", seen_}};
    return p;
  }

 private:
  size_t n_, stage_ = 0, seen_ = 0;
  std::vector<size_t> chunk_;
};

std::vector<nlohmann::json> rows(const std::string& path) {
  std::vector<nlohmann::json> out;
  for (auto& line : util::read_jsonl_objects(path)) out.push_back(line.value);
  return out;
}

}  // namespace

TEST(RunGenerator, TheFileIsTheSameWhateverTheChunkAndStagesSeeEveryEarlierLine) {
  test::TempDir dir;
  auto lm = test::stories_lm(2048, 4);
  gen::GenerationOptions o;
  o.n = 8;
  o.seed = 5;
  o.max_tokens = 6;
  o.contexts = {"a", "b", "c"};
  std::string files[2];
  for (size_t chunk : {1, 3}) {
    o.chunk = chunk;
    Staged g(o.n);
    const std::string out = dir.file("out" + std::to_string(chunk) + ".jsonl");
    gen::run_generator(g, *lm, out, o);
    files[chunk == 1 ? 0 : 1] = test::read_file(out);
  }
  EXPECT_EQ(files[0], files[1]);
  const auto r = rows(dir.file("out1.jsonl"));
  ASSERT_EQ(r.size(), 8u);
  for (size_t i = 0; i < r.size(); ++i) {
    EXPECT_EQ(r[i]["index"], i);
    EXPECT_EQ(r[i]["label"], i % 2 ? "odd" : "even") << "the plan's label when the job gives none";
    EXPECT_EQ(r[i]["provenance"]["seen"], i < 4 ? 0u : 4u) << "stage 1 begins with stage 0 written";
    EXPECT_EQ(r[i]["provenance"]["seed"], lm::stream_seed(5 ^ 0xC0FFEEull, i));
    EXPECT_EQ(r[i]["provenance"]["model"], lm->id());
    EXPECT_FALSE(r[i].contains("context")) << "contexts are the generator's to show";
  }
}

TEST(RunGenerator, TheJobsLabelAndConditionComeBeforeThePlans) {
  test::TempDir dir;
  auto lm = test::stories_lm(2048, 4);
  gen::GenerationOptions o;
  o.n = 2;
  o.max_tokens = 2;
  o.condition = "Be kind.";
  Staged a(o.n);
  gen::run_generator(a, *lm, dir.file("c.jsonl"), o);
  for (const auto& r : rows(dir.file("c.jsonl"))) EXPECT_EQ(r["label"], "Be kind.");
  o.label = "kind";
  Staged b(o.n);
  gen::run_generator(b, *lm, dir.file("l.jsonl"), o);
  for (const auto& r : rows(dir.file("l.jsonl"))) EXPECT_EQ(r["label"], "kind");
}

TEST(RunGenerator, BadSharedOptionsAreErrorsBeforeAnyOutput) {
  test::TempDir dir;
  auto lm = test::stories_lm(2048, 4);
  gen::GenerationOptions o;
  o.n = 2;
  o.top_p = 0;
  Staged g(o.n);
  EXPECT_THROW(gen::run_generator(g, *lm, dir.file("x.jsonl"), o), Error);
  o.top_p = 1;
  o.chunk = 0;
  EXPECT_THROW(gen::run_generator(g, *lm, dir.file("x.jsonl"), o), Error);
  EXPECT_FALSE(std::filesystem::exists(dir.file("x.jsonl.partial")));
}

TEST(GeneratorRegistry, NamesAreUniqueAndEveryEntryCanBeMade) {
  std::set<std::string> names;
  for (const auto& g : gen::generators()) {
    EXPECT_TRUE(names.insert(g.name).second) << g.name << " twice";
    EXPECT_TRUE(g.make) << g.name;
    EXPECT_FALSE(g.summary.empty()) << g.name;
    std::set<std::string> keys;
    for (const auto& s : g.settings) EXPECT_TRUE(keys.insert(s.key).second) << g.name << "." << s.key << " twice";
    // The defaults pass the generator's own checks.
    EXPECT_NO_THROW(gen::normalize_settings(g, nlohmann::json::object(), [](const gen::Setting& s) { return s.key; }));
  }
  EXPECT_TRUE(names.count(gen::kMop));
  const auto baselines = gen::baseline_names();
  EXPECT_EQ(std::count(baselines.begin(), baselines.end(), std::string(gen::kMop)), 0) << "mop has mop simulate";
}

TEST(GeneratorRegistry, UnknownNamesListTheChoices) {
  try {
    gen::find_baseline("nope");
    FAIL();
  } catch (const Error& e) {
    std::string want = "unknown baseline 'nope': choose one of ";
    for (size_t i = 0; i < gen::baseline_names().size(); ++i) want += (i ? ", " : "") + gen::baseline_names()[i];
    EXPECT_EQ(std::string(e.what()), want);
  }
  EXPECT_THROW(gen::find_generator("nope"), Error);
}

TEST(GeneratorSettings, AreCheckedAndFilledFromTheTable) {
  gen::GeneratorInfo info;
  info.name = "g";
  info.settings = {gen::Setting::integer("count", 3, "", 1), gen::Setting::number("scale", 0.5, ""),
                   gen::Setting::list("tags", ""), gen::Setting::path("file", "")};
  const auto where = [](const gen::Setting& s) { return "--" + s.key; };
  const auto d = gen::normalize_settings(info, nlohmann::json::object(), where);
  EXPECT_EQ(d, (nlohmann::json{{"count", 3}, {"scale", 0.5}, {"tags", nlohmann::json::array()}, {"file", ""}}));
  // Strings that hold numbers (CLI flags) are numbers; one string is a one-item list.
  const auto s = gen::normalize_settings(info, {{"count", "7"}, {"scale", "2.5"}, {"tags", "x"}}, where);
  EXPECT_EQ(s["count"], 7);
  EXPECT_EQ(s["scale"], 2.5);
  EXPECT_EQ(s["tags"], nlohmann::json::array({"x"}));
  const auto error = [&](const nlohmann::json& given) {
    try {
      gen::normalize_settings(info, given, where);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error({{"count", "7x"}}), "--count: expected a whole number, got '7x'");
  EXPECT_EQ(error({{"count", 0}}), "--count must be at least 1, got 0");
  EXPECT_EQ(error({{"count", 1.5}}), "--count: expected a whole number, got 1.5");
  EXPECT_EQ(error({{"scale", "fast"}}), "--scale: expected a number, got 'fast'");
  EXPECT_EQ(error({{"tags", {1, 2}}}), "--tags: expected a list of strings, got an item 1");
  EXPECT_EQ(error({{"file", 3}}), "--file: expected a string, got 3");
  EXPECT_EQ(error({{"cuont", 3}}), "g has no setting 'cuont' (its settings: count, scale, tags, file)");
}
