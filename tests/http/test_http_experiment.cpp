// `mop experiment` with a model behind a serving endpoint: a gate fitted in process, simulated
// through llama-server (the transfer table's pair), and a baseline generated through it.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/llama_server.h"
#include "support/paths.h"

using namespace mop::test;

TEST(HttpExperiment, TransferToAServedModel) {
  TempDir dir;
  LlamaServerOptions o;
  o.model = stories_model();
  LlamaServer server(o, dir.file("server.log"));
  const std::string config = dir.file("exp.yaml");
  write_file(config, "name: served\n"
                     "data:\n  train: " + shared_path("data/sst2/train.jsonl") + "\n  golden: " +
                         shared_path("data/sst2/test.jsonl") + "\n  max_train: 80\n  max_golden: 30\n"
                     "domain: movie\n"
                     "labels:\n  mode: condition\n  conditions:\n    negative: \"You had a negative impression.\"\n"
                     "    positive: \"You had a positive impression.\"\n"
                     "models:\n  - name: local\n    model: " + stories_model() + "\n    chat_template: plain\n    threads: 1\n"
                     "  - name: served\n    endpoints: [" + server.url() + "]\n    served_model: stories\n"
                     "    chat_template: plain\n    max_in_flight: 2\n"
                     "samples: 12\ngeneration:\n  max_tokens: 12\n"
                     "personas:\n  k: 3\n  per_cluster: 3\n  max_tokens: 16\n"
                     "fit:\n  exemplars: 8\n  epochs: 1\n  max_val: 6\n  batch: 32\n"
                     "methods: [mop, zerogen]\n"
                     "transfer:\n  fit: [local]\n  simulate: [served]\n");
  const std::string out = dir.file("exp");
  std::string err;
  ASSERT_EQ(run_command(cli_path() + " experiment " + config + " --out " + out, nullptr, &err), 0) << err;
  const auto rows = jsonl(out + "/samples/transfer-local-to-served.seed0.jsonl");
  ASSERT_EQ(rows.size(), 12u);
  for (const auto& r : rows) {
    EXPECT_EQ(r["provenance"]["model"], "http:stories") << r.dump();
    EXPECT_EQ(r["provenance"]["run"].get<std::string>().substr(out.size()), "/fits/local");
  }
  const auto tables = nlohmann::json::parse(read_file(out + "/tables.json"));
  ASSERT_EQ(tables["table3"]["rows"].size(), 1u);
  EXPECT_EQ(tables["table3"]["rows"][0]["name"], "fit local → simulate served");
  EXPECT_TRUE(tables["table3"]["rows"][0]["fid"]["mean"].is_number());
}
