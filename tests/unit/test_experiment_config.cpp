// The experiment config reader: strict keys, types and values, with file:line in every error;
// paths resolved against the config's folder; the plan of sets; the tables from metrics.
#include <gtest/gtest.h>

#include <filesystem>

#include "experiment/label_parts.h"
#include "mop/error.h"
#include "mop/experiment.h"
#include "mop/generators.h"
#include "support/paths.h"

using namespace mop::test;
namespace fs = std::filesystem;
namespace ex = mop::experiment;

namespace {

const char* kMinimal =
    "data:\n"
    "  train: data/train.jsonl\n"
    "  golden: /abs/golden.jsonl\n"
    "models:\n"
    "  - name: main\n"
    "    model: models/m.gguf\n";

std::string error_of(const std::string& yaml) {
  TempDir dir;
  const std::string path = dir.file("exp.yaml");
  write_file(path, yaml);
  try {
    ex::read_config(path);
  } catch (const mop::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(ExperimentConfig, MinimalConfigGetsDefaultsAndResolvedPaths) {
  TempDir dir;
  const std::string path = dir.file("exp.yaml");
  write_file(path, kMinimal);
  const auto c = ex::read_config(path);
  EXPECT_EQ(c.name, "exp");
  EXPECT_EQ(c.data.train, (fs::absolute(dir.path()) / "data/train.jsonl").lexically_normal().string());
  EXPECT_EQ(c.data.golden, "/abs/golden.jsonl");
  ASSERT_EQ(c.models.size(), 1u);
  EXPECT_EQ(c.models[0].options.llama.model, (fs::absolute(dir.path()) / "models/m.gguf").lexically_normal().string());
  EXPECT_EQ(c.methods, (std::vector<std::string>{"mop", "zerogen", "attrprompt", "picle"}));
  EXPECT_EQ(c.labels.mode, "none");
  EXPECT_EQ(c.seeds, std::vector<uint64_t>{0});
}

TEST(ExperimentConfig, UnknownKeysAreRejectedWithLineAndKey) {
  const std::string e1 = error_of(std::string(kMinimal) + "fit:\n  epochs: 2\n  epoch: 3\n");
  EXPECT_NE(e1.find("exp.yaml:9: unknown key 'fit.epoch'"), std::string::npos) << e1;
  const std::string e2 = error_of(std::string(kMinimal) + "sampels: 10\n");
  EXPECT_NE(e2.find("exp.yaml:7: unknown key 'sampels'"), std::string::npos) << e2;
  const std::string e3 = error_of(std::string(kMinimal) + "    temperature: 0.5\n");
  EXPECT_NE(e3.find("unknown key 'models[0].temperature'"), std::string::npos) << e3;
}

TEST(ExperimentConfig, BadValuesNameTheKey) {
  EXPECT_NE(error_of(std::string(kMinimal) + "samples: many\n").find("samples: expected a non-negative integer, got 'many'"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "methods: [mop, gpt]\n").find("methods: unknown name 'gpt'"), std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "mixing: [1, 2]\n").find("mixing: each L must be at least 2"), std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "methods: [zerogen]\nablations: [no_exemplars]\n").find("list mop in methods"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "transfer:\n  fit: [main]\n  simulate: [other]\n").find("unknown name 'other'"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "labels:\n  mode: condition\n").find("labels.conditions"), std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "methods: [progen]\n").find("progen trains a classifier"), std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "domain: poetry\n").find("unknown domain 'poetry'"), std::string::npos);
  EXPECT_NE(error_of("data:\n  train: a.jsonl\nmodels: []\n").find("data.golden: missing"), std::string::npos);
  EXPECT_NE(error_of("data: [1, 2\n").find("not valid YAML"), std::string::npos);
  EXPECT_NE(error_of("? [a, b]\n: 1\n").find("exp.yaml:1: "), std::string::npos);  // a key that is a list
  EXPECT_NE(error_of("[1, 2]\n").find("the config must be a mapping"), std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "  - name: main\n    model: x.gguf\n").find("used twice"), std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "    endpoints: [http://127.0.0.1:8000]\n").find("not both"), std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "    served_model: llama\n").find("models[0].served_model: applies to endpoints only"),
            std::string::npos);
}

TEST(ExperimentConfig, ModelsMayBeServingEndpoints) {
  TempDir dir;
  const std::string path = dir.file("exp.yaml");
  write_file(path, std::string(kMinimal) +
                       "  - name: served\n    endpoints: [http://127.0.0.1:8000, http://127.0.0.1:8001/v1]\n"
                       "    api: chat\n    served_model: llama-3-8b\n    max_in_flight: 4\n");
  const auto c = ex::read_config(path);
  ASSERT_EQ(c.models.size(), 2u);
  const auto& http = c.models[1].options.http;
  EXPECT_EQ(http.endpoints.size(), 2u);
  EXPECT_EQ(http.api, "chat");
  EXPECT_EQ(http.model, "llama-3-8b");
  EXPECT_EQ(http.max_in_flight, 4);
  EXPECT_EQ(c.models[1].identity(), "http:llama-3-8b");
}

TEST(ExperimentConfig, PlanNamesEverySet) {
  TempDir dir;
  const std::string path = dir.file("exp.yaml");
  write_file(path, std::string(kMinimal) +
                       "  - name: other\n    model: o.gguf\n"
                       "seeds: [1, 2]\nablations: [no_exemplars, random_personas]\nmixing: [2]\n"
                       "transfer:\n  fit: [main, other]\n  simulate: [main]\n");
  const auto c = ex::read_config(path);
  std::vector<std::string> names;
  for (const auto& s : ex::plan_sets(c)) names.push_back(s.name);
  const std::vector<std::string> seed1 = {"mop@seed1", "zerogen@seed1", "attrprompt@seed1", "picle@seed1",
                                          "mop-no-exemplars@seed1", "mop-random-personas@seed1", "mop-mix2@seed1",
                                          "transfer-other-to-main@seed1"};
  ASSERT_EQ(names.size(), 2 * seed1.size());
  EXPECT_EQ(std::vector<std::string>(names.begin(), names.begin() + 8), seed1);
  EXPECT_EQ(ex::plan_sets(c)[8].output.filename(), "mop.seed2.jsonl");
  const std::vector<ex::Variant> variants = {ex::Variant::none, ex::Variant::none, ex::Variant::none, ex::Variant::none,
                                             ex::Variant::no_exemplars, ex::Variant::random_personas, ex::Variant::mix,
                                             ex::Variant::transfer};
  for (size_t i = 0; i < variants.size(); ++i) EXPECT_EQ(ex::plan_sets(c)[i].variant, variants[i]) << names[i];
  EXPECT_EQ(ex::fit_variant(ex::Variant::no_exemplars), ex::Variant::no_exemplars) << "a gate fitted without exemplars";
  EXPECT_EQ(ex::fit_variant(ex::Variant::random_personas), ex::Variant::none) << "the main gate, simulated at random";
  EXPECT_EQ(ex::variant_name(ex::parse_ablation("generic_personas")), "generic_personas");
  EXPECT_THROW(ex::parse_ablation("mix"), mop::Error);
  EXPECT_EQ(nlohmann::json(c.ablations), nlohmann::json({"no_exemplars", "random_personas"})) << "names in JSON, not numbers";
}

TEST(ExperimentTables, MeansOverSeedsAndEveryRow) {
  TempDir dir;
  const std::string path = dir.file("exp.yaml");
  write_file(path, std::string(kMinimal) + "seeds: [1, 2]\nmethods: [mop, zerogen]\nmixing: [2]\n");
  const auto c = ex::read_config(path);
  const auto sets = ex::plan_sets(c);
  nlohmann::json rows = nlohmann::json::array();
  double v = 1;
  for (const auto& s : sets) {
    rows.push_back({{"role", "synthetic"}, {"set", s.name}, {"group", nullptr}, {"fid", v}, {"mauve", 0.5},
                    {"kl_cosine", nullptr}, {"macro_f1", 0.25 * v}});
    v += 1;
  }
  rows.push_back({{"role", "ceiling"}, {"set", "train.jsonl"}, {"group", nullptr}, {"macro_f1", 0.9}});
  const auto t = ex::make_tables(c, sets, {{"rows", rows}});
  // Sets in plan order: seed 1: mop (1), zerogen (2), mop-mix2 (3); seed 2: mop (4), ...
  ASSERT_EQ(t["table1"]["rows"].size(), 2u);
  EXPECT_EQ(t["table1"]["rows"][0]["name"], "mop");
  EXPECT_DOUBLE_EQ(t["table1"]["rows"][0]["fid"]["mean"].get<double>(), 2.5);
  EXPECT_NEAR(t["table1"]["rows"][0]["fid"]["sd"].get<double>(), std::sqrt(4.5), 1e-12);
  EXPECT_TRUE(t["table1"]["rows"][0]["kl_cosine"].is_null());
  ASSERT_EQ(t["table2"]["rows"].size(), 3u);
  EXPECT_EQ(t["table2"]["rows"][2]["name"], "real training data (ceiling)");
  EXPECT_DOUBLE_EQ(t["table2"]["rows"][2]["macro_f1"]["mean"].get<double>(), 0.9);
  EXPECT_FALSE(t.contains("table3"));
  EXPECT_FALSE(t.contains("table4"));
  ASSERT_EQ(t["table5"]["rows"].size(), 2u);
  EXPECT_EQ(t["table5"]["rows"][1]["name"], "L = 2");
  EXPECT_DOUBLE_EQ(t["table5"]["rows"][1]["fid"]["mean"].get<double>(), 4.5);
  const std::string md = ex::tables_markdown(c, t);
  EXPECT_NE(md.find("| mop | 2.5000 ± 2.1213 | 0.5000 ± 0.0000 | — |"), std::string::npos) << md;
}

TEST(ExperimentConfig, BaselineSettingsComeFromTheRegistry) {
  TempDir dir;
  const std::string path = dir.file("exp.yaml");
  EXPECT_NE(error_of(std::string(kMinimal) + "baselines:\n  shots: 2\n").find("baselines.shots"), std::string::npos)
      << "shots belongs to two baselines: NAME_shots says which";
  EXPECT_NE(error_of(std::string(kMinimal) + "baselines:\n  picle_pool: 0\n").find("baselines.picle_pool: must be at least 1, got 0"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "baselines:\n  progen_classes: [a=b]\n").find("progen_classes"), std::string::npos)
      << "progen's classes come from the labels";
  write_file(path, std::string(kMinimal) + "baselines:\n  picle_pool: 12\n  progen_shots: 2\n  attributes: attrs.json\n");
  const auto c = ex::read_config(path);
  EXPECT_EQ(c.settings.at("picle")["pool"], 12);
  EXPECT_EQ(c.settings.at("picle")["shots"], 3) << "the default";
  EXPECT_EQ(c.settings.at("progen")["shots"], 2);
  EXPECT_EQ(c.settings.at("attrprompt")["attributes"], (fs::absolute(dir.path()) / "attrs.json").lexically_normal().string());
  EXPECT_EQ(c.settings.at("zerogen"), nlohmann::json::object());
}

TEST(ExperimentConfig, CtxIsAutoByDefaultAndReadsKvMemory) {
  TempDir dir;
  const std::string path = dir.file("exp.yaml");
  write_file(path, std::string(kMinimal) + "    kv_memory: 2G\n");
  auto c = ex::read_config(path);
  EXPECT_EQ(c.models[0].options.llama.n_ctx, mop::lm::kAutoCtx);
  EXPECT_EQ(c.models[0].options.llama.kv_memory, int64_t{2} << 30);
  write_file(path, std::string(kMinimal) + "    ctx: 16384\n");
  EXPECT_EQ(ex::read_config(path).models[0].options.llama.n_ctx, 16384);
  write_file(path, std::string(kMinimal) + "    ctx: auto\n");
  EXPECT_EQ(ex::read_config(path).models[0].options.llama.n_ctx, mop::lm::kAutoCtx);
  const std::string e1 = error_of(std::string(kMinimal) + "    ctx: lots\n");
  EXPECT_NE(e1.find("exp.yaml:7"), std::string::npos) << e1;
  EXPECT_NE(e1.find("ctx"), std::string::npos) << e1;
  EXPECT_NE(e1.find("must be auto, 0 (the model's training length) or a number of KV cells, not 'lots'"), std::string::npos) << e1;
  const std::string e2 = error_of(std::string(kMinimal) + "    kv_memory: 8X\n");
  EXPECT_NE(e2.find("must be auto or a size such as 8G"), std::string::npos) << e2;
}

TEST(ExperimentConfig, KvLayoutIsStreamsByDefaultOrShared) {
  TempDir dir;
  const std::string path = dir.file("exp.yaml");
  write_file(path, kMinimal);
  EXPECT_TRUE(ex::read_config(path).models[0].options.llama.kv_streams);
  write_file(path, std::string(kMinimal) + "    kv_layout: shared\n");
  EXPECT_FALSE(ex::read_config(path).models[0].options.llama.kv_streams);
  const std::string e = error_of(std::string(kMinimal) + "    kv_layout: paged\n");
  EXPECT_NE(e.find("exp.yaml:7"), std::string::npos) << e;
  EXPECT_NE(e.find("kv_layout"), std::string::npos) << e;
  EXPECT_NE(e.find("must be shared or streams"), std::string::npos) << e;
}

// A generator that needs every label gets labels and conditions as they are, '=' and all: they
// are never joined into "LABEL=CONDITION" text on the way.
TEST(ExperimentConfig, EveryLabelReachesProgenWithItsConditionWhateverItHolds) {
  TempDir dir;
  const std::string path = dir.file("exp.yaml");
  write_file(path, std::string(kMinimal) +
                       "methods: [progen]\nlabels:\n  mode: condition\n  names: ['4=good', bad]\n"
                       "  conditions:\n    '4=good': 'You liked it = a lot.'\n    bad: You did not like it.\n");
  const auto c = ex::read_config(path);
  const auto& progen = mop::gen::find_generator("progen");
  ex::SetPlan set;
  set.method = "progen";
  const auto classes = ex::detail::set_classes(c, {{"4=good", "bad"}, {50, 50}}, set, progen);
  ASSERT_EQ(classes.size(), 2u);
  EXPECT_EQ(classes[0].label, "4=good");
  EXPECT_EQ(classes[0].condition, "You liked it = a lot.");
  EXPECT_EQ(classes[1].label, "bad");
  EXPECT_EQ(classes[1].condition, "You did not like it.");
  EXPECT_TRUE(ex::detail::set_classes(c, {{"4=good", "bad"}, {50, 50}}, set, mop::gen::find_generator("zerogen")).empty());
}
