// mop eval: compare synthetic sets with a golden set (FID, MAUVE, KL-cosine, downstream macro-F1,
// per label) and write metrics.json, metrics.md and report.html into one folder.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "commands.h"
#include "mop/embed_open.h"
#include "mop/error.h"
#include "mop/evaluate.h"
#include "mop/report.h"
#include "mop/util/atomic_file.h"
#include "mop/util/progress.h"

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
  std::uint64_t seed = 0;
  bool seed_given = false;
  embed::EncoderOptions encoder_options;
  bool no_cache = false;
};

constexpr std::size_t kChunk = 512;  // texts per encode() call, for a smooth progress bar

void encode(embed::Encoder& encoder, eval::EvalSet& set) {
  set.embeddings.resize(static_cast<Eigen::Index>(set.texts.size()), encoder.dim());
  util::ProgressBar bar("embed " + set.name, set.texts.size());
  for (std::size_t begin = 0; begin < set.texts.size(); begin += kChunk) {
    const std::size_t end = std::min(set.texts.size(), begin + kChunk);
    const std::vector<std::string> chunk(set.texts.begin() + static_cast<std::ptrdiff_t>(begin),
                                         set.texts.begin() + static_cast<std::ptrdiff_t>(end));
    set.embeddings.middleRows(static_cast<Eigen::Index>(begin), static_cast<Eigen::Index>(end - begin)) =
        encoder.encode(chunk);
    bar.update(end);
  }
  bar.finish();
}

// Tables name sets by file name; the path where two share one, then a counter.
void name_uniquely(std::vector<eval::EvalSet>& sets) {
  std::set<std::string> used;
  for (auto& s : sets) {
    if (used.count(s.name)) s.name = s.path;
    for (int i = 2; used.count(s.name); ++i) s.name = s.path + " #" + std::to_string(i);
    used.insert(s.name);
  }
}

eval::SuiteOptions suite_options(const EvalArgs& a) {
  eval::SuiteOptions o;
  o.classifier = eval::parse_classifier(a.classifier);
  if (a.mauve_clusters < 0) throw Error("--mauve-clusters must be positive (or 0 for auto)");
  if (!(a.mauve_scaling > 0)) throw Error("--mauve-scaling must be positive");
  if (a.kl_bins < 2) throw Error("--kl-bins must be at least 2");
  o.mauve.num_clusters = a.mauve_clusters;
  o.mauve.scaling_factor = a.mauve_scaling;
  o.kl_cosine.bins = a.kl_bins;
  if (a.seed_given) {  // otherwise each stage keeps its reference default (MAUVE 25, others 0)
    o.mauve.seed = static_cast<int>(a.seed % 1'000'000'000);
    o.kl_cosine.seed = a.seed;
    o.fasttext.seed = static_cast<int>(a.seed % 1'000'000'000);
    o.seed = a.seed;
  }
  return o;
}

void run_eval(EvalArgs a) {
  const eval::SuiteOptions options = suite_options(a);
  const std::filesystem::path out = a.out;
  if (std::filesystem::exists(out) && !std::filesystem::is_directory(out))
    throw Error("--out " + a.out + " exists and is not a folder");

  eval::SetLoadOptions golden_load{a.text, a.label, a.label_given};
  eval::EvalSet golden = eval::load_eval_set(a.golden, golden_load);
  std::vector<eval::EvalSet> synthetic;
  for (const auto& path : a.synthetic) synthetic.push_back(eval::load_eval_set(path, {a.text, a.label, false}));
  name_uniquely(synthetic);
  std::optional<eval::EvalSet> train;
  if (!a.train.empty()) train = eval::load_eval_set(a.train, {a.text, a.label, true});
  // Fail on sizes before the slow part.
  std::vector<const eval::EvalSet*> others;
  for (const auto& s : synthetic) others.push_back(&s);
  if (train) others.push_back(&*train);
  eval::check_sizes(golden, others, options);

  a.encoder_options.use_cache = !a.no_cache;
  auto encoder = embed::open_encoder(a.encoder, a.encoder_options);
  std::filesystem::create_directories(out);
  // Every set is encoded under one state fitted on the golden set, saved beside the metrics.
  const bool fits = encoder->fits_corpus();
  if (fits) {
    encoder->fit_corpus(golden.texts);
    encoder->save_state(out / "encoder_state.json");
  }
  encode(*encoder, golden);
  for (auto& s : synthetic) encode(*encoder, s);
  if (train) encode(*encoder, *train);

  auto progress = [](const std::string& line) { std::fprintf(stderr, "mop eval: %s\n", line.c_str()); };
  eval::SuiteResult result = eval::evaluate(golden, synthetic, train ? &*train : nullptr, options, progress);
  result.settings["encoder"] = {{"name", a.encoder},
                                {"id", encoder->id()},
                                {"state", fits ? nlohmann::json("encoder_state.json") : nlohmann::json()}};
  result.settings["inputs"] = {{"golden", a.golden},
                               {"synthetic", a.synthetic},
                               {"train", a.train.empty() ? nlohmann::json() : nlohmann::json(a.train)},
                               {"text_field", a.text},
                               {"label_field", a.label}};

  const std::string markdown = eval::to_markdown(result);
  util::write_file_atomic(out / "metrics.json", eval::to_json(result).dump(2) + "\n");
  util::write_file_atomic(out / "metrics.md", markdown);
  report::PageOptions page;
  page.seed = options.seed;
  util::write_file_atomic(out / "report.html", report::render_html(result, golden, synthetic, page));
  std::cout << markdown << std::flush;
  std::fprintf(stderr, "mop eval: wrote %s, %s and %s\n", (out / "metrics.json").c_str(), (out / "metrics.md").c_str(),
               (out / "report.html").c_str());
}

}  // namespace

void register_eval(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  auto* cmd = app.add_subcommand("eval", "Compare synthetic sets with a golden set: FID, MAUVE, KL-cosine, macro-F1");
  cmd->footer(
      "Outputs in --out: metrics.json (settings, one row per set and per (set, golden label)), metrics.md,\n"
      "report.html (one self-contained page: tables, PCA scatter with 2-SD ellipses per label, pairwise-cosine\n"
      "histograms, persona usage), and encoder_state.json for encoders fitted to a corpus (glove-sif: fitted on\n"
      "the golden set, used for every set). KL-cosine is KL(S || G), synthetic relative to golden.\n"
      "Classifiers: softmax (on embeddings) or fasttext (on texts); DistilBERT is not available (no weights).\n"
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
  auto* seed = cmd->add_option("--seed", args->seed, "one seed for MAUVE's k-means, KL-cosine's pair sample, fastText "
                                                     "and the ceiling sample (default: each stage's own)");
  cmd->add_option("--cache-dir", args->encoder_options.cache_dir, "mop cache folder (default $MOP_CACHE_DIR or ~/.cache/mop)");
  cmd->add_flag("--no-cache", args->no_cache, "do not use the on-disk embedding cache for model-based encoders");
  cmd->add_option("-t,--threads", args->encoder_options.n_threads, "CPU threads for model-based encoders (0 = all cores)")
      ->capture_default_str();
  cmd->callback([args, label, seed] {
    args->label_given = label->count() > 0;
    args->seed_given = seed->count() > 0;
    run_eval(*args);
  });
}

}  // namespace mop::cli
