// mop eval: compare synthetic sets with a golden set (FID, MAUVE, KL-cosine, k-NN precision, recall,
// density and coverage, downstream macro-F1, per label) and write metrics.json, metrics.md and report.html into one folder.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "mop/error.h"
#include "mop/eval_run.h"

namespace mop::cli {
namespace {

struct EvalArgs {
  std::string golden;
  std::vector<std::string> synthetic;
  std::string train;
  std::string encoder = "glove-sif";
  std::string out;
  std::string label = "label";
  bool label_given = false;
  std::string text = "text";
  std::string classifier = "softmax";
  int mauve_clusters = 0;
  double mauve_scaling = 5;
  int kl_bins = 100;
  int prdc_k = 5;
  int subgroups = -1;
  std::string group_by;
  int subgroup_examples = 3;
  int minority = 5;
  std::uint64_t seed = 0;
  bool seed_given = false;
  embed::EncoderOptions encoder_options;
  bool no_cache = false;
  bool fresh = false;
};

eval::SuiteOptions suite_options(const EvalArgs& a) {
  eval::SuiteOptions o;
  o.classifier = eval::parse_classifier(a.classifier);
  if (a.mauve_clusters < 0) throw Error("--mauve-clusters must be positive (or 0 for auto)");
  if (!(a.mauve_scaling > 0)) throw Error("--mauve-scaling must be positive");
  if (a.kl_bins < 2) throw Error("--kl-bins must be at least 2");
  if (a.prdc_k < 1) throw Error("--prdc-k must be at least 1");
  o.mauve.num_clusters = a.mauve_clusters;
  o.mauve.scaling_factor = a.mauve_scaling;
  o.kl_cosine.bins = a.kl_bins;
  o.prdc.nearest_k = a.prdc_k;
  if (a.subgroups < -1) throw Error("--subgroups must be -1 (auto), 0 (none) or a cluster count");
  if (a.subgroup_examples < 0) throw Error("--subgroup-examples must be 0 or more");
  if (a.minority < 0) throw Error("--minority must be 0 or more");
  o.subgroups.clusters = a.subgroups;
  o.subgroups.group_by = a.group_by;
  o.subgroups.examples = a.subgroup_examples;
  o.subgroups.minority = a.minority;
  if (a.seed_given) {  // otherwise each stage keeps its reference default (MAUVE 25, others 0)
    o.mauve.seed = static_cast<int>(a.seed % 1'000'000'000);
    o.kl_cosine.seed = a.seed;
    o.fasttext.seed = static_cast<int>(a.seed % 1'000'000'000);
    o.subgroups.seed = static_cast<int>(a.seed % 1'000'000'000);
    o.seed = a.seed;
  }
  return o;
}

void run_eval(const EvalArgs& a) {
  eval::EvalJob job;
  job.suite = suite_options(a);
  job.golden = a.golden;
  job.synthetic = a.synthetic;
  job.train = a.train;
  job.encoder = a.encoder;
  job.encoder_options = a.encoder_options;
  job.encoder_options.use_cache = !a.no_cache;
  job.text_field = a.text;
  job.label_field = a.label;
  job.require_golden_labels = a.label_given;
  job.out = a.out;
  job.reuse = !a.fresh;
  auto progress = [](const std::string& line) { std::fprintf(stderr, "mop eval: %s\n", line.c_str()); };
  const eval::SuiteResult result = eval::run_eval_job(job, progress);
  std::cout << eval::to_markdown(result) << std::flush;
  const std::filesystem::path out = a.out;
  std::fprintf(stderr, "mop eval: wrote %s, %s and %s\n", (out / "metrics.json").c_str(), (out / "metrics.md").c_str(),
               (out / "report.html").c_str());
}

}  // namespace

void register_eval(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  auto* cmd = app.add_subcommand("eval", "Compare synthetic sets with a golden set: FID, MAUVE, KL-cosine, precision/recall/density/coverage, macro-F1");
  cmd->footer(
      "Outputs in --out: metrics.json (settings, one row per set and per (set, golden label)), metrics.md,\n"
      "report.html (one self-contained page: tables, PCA scatter with 2-SD ellipses per label, pairwise-cosine\n"
      "histograms, persona usage), and encoder_state.json for encoders fitted to a corpus (glove-sif: fitted on\n"
      "the golden set, used for every set). KL-cosine is KL(S || G), synthetic relative to golden.\n"
      "Precision, recall, density and coverage compare k-nearest-neighbour balls of the two sets (--prdc-k).\n"
      "Who is missing: the golden set is split into subgroups (k-means clusters of its embeddings, --subgroups;\n"
      "a field's values, --group-by; its labels) and each set's share of every group, its share ratio and k-NN\n"
      "figures per group are listed, the most under-represented groups first, with examples. Checks: label\n"
      "shares (chi-square against the golden shares) and words per text (two-sample Kolmogorov-Smirnov).\n"
      "A labelled set whose labels share none with the golden set's gets its distances only (no macro-F1,\n"
      "no per-label rows), with a note.\n"
      "Each set's result is also kept in --out's sets/ folder, keyed by everything it depends on: a rerun\n"
      "(after a crash, or with more --synthetic sets) computes only the sets not there yet (--fresh: all).\n"
      "Classifiers: softmax (on embeddings) or fasttext (on texts), in place of the paper's fine-tuned DistilBERT.\n"
      "See docs/evaluation.md for every definition and default.\n"
      "Examples:\n"
      "  mop eval --golden test.jsonl --synthetic mop.jsonl --synthetic baseline.jsonl --out eval/\n"
      "  mop eval --golden test.jsonl --synthetic mop.jsonl --train train.jsonl --classifier fasttext --out eval/");
  cmd->add_option("--golden", args->golden, "the real (human) records: JSONL, CSV, TSV or a .txt folder")->required();
  cmd->add_option("--synthetic", args->synthetic, "a synthetic set to compare (repeatable: one row each)")->required();
  cmd->add_option("--train", args->train, "real labelled training data: the macro-F1 ceiling row");
  cmd->add_option("--encoder", args->encoder, "glove-sif, a GGUF embedding model file, or hf:OWNER/REPO/FILE.gguf")
      ->capture_default_str();
  cmd->add_option("-o,--out", args->out, "output folder (created if missing)")->required();
  auto* label = cmd->add_option("--label", args->label,
                                "label field (given: required in --golden; default: used where every row has it)");
  label->capture_default_str();
  cmd->add_option("--text", args->text, "field holding the text")->capture_default_str();
  cmd->add_option("--classifier", args->classifier, "downstream classifier: softmax or fasttext")->capture_default_str();
  cmd->add_option("--mauve-clusters", args->mauve_clusters, "MAUVE k-means clusters (0 = max(2, round(min(|G|,|S|)/10)))")
      ->capture_default_str();
  cmd->add_option("--mauve-scaling", args->mauve_scaling, "MAUVE scaling c in exp(-c KL)")->capture_default_str();
  cmd->add_option("--kl-bins", args->kl_bins, "KL-cosine histogram bins over [-1, 1]")->capture_default_str();
  cmd->add_option("--prdc-k", args->prdc_k, "k of the k-NN radii for precision, recall, density and coverage")
      ->capture_default_str();
  cmd->add_option("--subgroups", args->subgroups,
                  "k-means subgroups of the golden set (-1 = auto: max(2, min(10, rows / 50)); 0 = none)")
      ->capture_default_str();
  cmd->add_option("--group-by", args->group_by, "also group by this field of the golden records (e.g. stars, category)");
  cmd->add_option("--subgroup-examples", args->subgroup_examples, "golden and set examples kept per subgroup")
      ->capture_default_str();
  cmd->add_option("--minority", args->minority, "under-represented subgroups listed per set and grouping")
      ->capture_default_str();
  auto* seed = cmd->add_option("--seed", args->seed, "one seed for MAUVE's k-means, KL-cosine's pair sample, fastText, "
                                                     "the subgroups' k-means and the ceiling sample (default: each "
                                                     "stage's own)");
  cmd->add_option("--cache-dir", args->encoder_options.cache_dir, "mop cache folder (default $MOP_CACHE_DIR or ~/.cache/mop)");
  cmd->add_flag("--no-cache", args->no_cache, "do not use the on-disk embedding cache for model-based encoders");
  cmd->add_flag("--fresh", args->fresh, "compute every set again instead of reusing results kept in --out/sets/");
  cmd->add_option("-t,--threads", args->encoder_options.n_threads, "CPU threads for model-based encoders (0 = all cores)")
      ->capture_default_str();
  cmd->callback([args, label, seed] {
    args->label_given = label->count() > 0;
    args->seed_given = seed->count() > 0;
    run_eval(*args);
  });
}

}  // namespace mop::cli
