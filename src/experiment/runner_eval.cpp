// The experiment runner's evaluation: one eval job over every set.
#include "experiment/runner.h"

#include "mop/eval_run.h"
#include "mop/evaluate.h"

namespace mop::experiment::detail {

fs::path Runner::evaluate(const std::vector<SetPlan>& sets) {
  eval::EvalJob job;
  job.golden = golden_file().string();
  for (const auto& s : sets) {
    job.synthetic.push_back(s.output.string());
    job.names.push_back(s.name);
  }
  if (c_.eval.ceiling && c_.labels.mode != "none") job.train = train_file().string();
  job.encoder = c_.encoder;
  job.suite.classifier = eval::parse_classifier(c_.eval.classifier);
  job.suite.mauve.num_clusters = c_.eval.mauve_clusters;
  job.suite.prdc.nearest_k = c_.eval.prdc_k;
  job.suite.subgroups.clusters = c_.eval.subgroups;
  job.suite.subgroups.group_by = c_.eval.group_by;
  if (c_.eval.seed) {
    const uint64_t s = *c_.eval.seed;
    job.suite.mauve.seed = static_cast<int>(s % 1'000'000'000);
    job.suite.kl_cosine.seed = s;
    job.suite.fasttext.seed = static_cast<int>(s % 1'000'000'000);
    job.suite.subgroups.seed = static_cast<int>(s % 1'000'000'000);
    job.suite.seed = s;
  }
  job.out = c_.out / "eval";
  const nlohmann::json spec = {{"golden", job.golden}, {"sets", job.names}, {"files", job.synthetic},
                               {"train", job.train}, {"encoder", job.encoder}, {"classifier", c_.eval.classifier},
                               {"mauve_clusters", c_.eval.mauve_clusters}, {"prdc_k", c_.eval.prdc_k},
                               {"subgroups", c_.eval.subgroups}, {"group_by", c_.eval.group_by},
                               {"seed", c_.eval.seed ? nlohmann::json(*c_.eval.seed) : nlohmann::json()}};
  const fs::path metrics = job.out / "metrics.json";
  // The set list grows when a config gains methods: evaluate again rather than refuse.
  const fs::path spec_file = metrics.string() + ".spec.json";
  if (fs::exists(spec_file) && nlohmann::json::parse(read_text(spec_file)) != spec) {
    fs::remove(spec_file);
    fs::remove(metrics);
  }
  step("evaluate", metrics, spec, [&] { eval::run_eval_job(job, [&](const std::string& l) { say("eval: " + l); }); });
  return metrics;
}

}  // namespace mop::experiment::detail
