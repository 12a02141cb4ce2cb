// mop experiment CONFIG.yaml: the paper's experiments (baselines, ablations, transfer, mixing) and tables.
#include <cstdio>
#include <iostream>
#include <memory>

#include "commands.h"
#include "mop/error.h"
#include "mop/experiment.h"
#include "mop/experiment_plan.h"
#include "mop/util/atomic_file.h"

namespace mop::cli {

void register_experiment(CLI::App& app) {
  struct Args {
    std::string config, out, plan_json;
    bool plan_only = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("experiment", "Run a whole experiment from a YAML config and write the paper's tables");
  cmd->footer(
      "Produces OUT/data, OUT/personas, OUT/fits, OUT/samples (one JSONL per method, ablation, mixing level and\n"
      "transfer pair), OUT/eval (metrics.json, metrics.md, report.html) and OUT/tables.md + tables.json\n"
      "(Table 1 distances, 2 downstream F1, 3 transfer, 4 ablations, 5 mixing). Rerunning continues where it\n"
      "stopped. See docs/experiments.md and experiments/.\n"
      "Example:\n"
      "  mop experiment experiments/sst2.yaml");
  cmd->add_option("config", a->config, "experiment config (YAML)")->required();
  cmd->add_option("-o,--out", a->out, "output folder (default: the config's out)");
  cmd->add_flag("--plan", a->plan_only,
                "print the cost plan (per step: LM requests and tokens scored and generated, estimated time from a "
                "short probe of each model) and the sets it would make, and stop; writes nothing under OUT");
  cmd->add_option("--plan-json", a->plan_json, "with --plan: also write the plan as JSON to this file");
  cmd->callback([a] {
    auto config = experiment::read_config(a->config);
    if (!a->out.empty()) config.out = a->out;
    if (!a->plan_json.empty() && !a->plan_only) throw Error("--plan-json goes with --plan");
    if (a->plan_only) {
      const auto plan = experiment::plan_costs(
          config, [](const std::string& line) { std::fprintf(stderr, "mop experiment: %s\n", line.c_str()); });
      std::cout << method::plan_table(plan.steps, plan.rates) << "\nsets:\n";
      for (const auto& s : experiment::plan_sets(config)) std::cout << "  " << s.name << "\t" << s.output.string() << "\n";
      if (!a->plan_json.empty()) util::write_file_atomic(a->plan_json, method::plan_json(plan.steps, plan.rates).dump(2) + "\n");
      return;
    }
    experiment::run(config, [](const std::string& line) { std::fprintf(stderr, "mop experiment: %s\n", line.c_str()); });
    std::cout << "wrote " << (config.out / "tables.md").string() << "\n";
  });
}

}  // namespace mop::cli
