#pragma once
// mop::eval's suite: everything `mop eval` computes for sets that are already loaded and encoded.
// For each synthetic set S against the golden set G: FID, MAUVE (+ frontier integral), KL-cosine
// KL(S || G), k-NN precision, recall, density and coverage, and the downstream macro-F1 of a classifier trained on S's labels and tested on G's;
// the same per golden label; and, given real training data, the ceiling row (its classifier's
// macro-F1, and its distances to G as a real-vs-real reference). metrics.h holds the metrics;
// report.h draws the results.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "mop/embed.h"
#include "mop/metrics.h"

namespace mop::eval {

// One set to compare: its texts, labels, embeddings and, for generated sets, persona usage.
struct EvalSet {
  std::string name;                  // how tables name it (unique within a run)
  std::string path;                  // the file it came from
  std::vector<std::string> texts;
  std::vector<std::string> labels;   // one per text, or empty: the set is unlabelled
  std::string label_note;            // why labels is empty ("" when the field is simply absent)
  embed::Matrix embeddings;          // one row per text (filled by the caller's encoder)
  // Rows per persona id, from a `persona_id` field (top level or under `provenance`); empty when
  // no record carries one. Rows without it count under "(none)".
  std::vector<std::pair<std::string, std::size_t>> persona_usage;
  // Each row's value of SetLoadOptions::group_field ("" where the row lacks it); empty when no
  // group field was asked for.
  std::vector<std::string> group_values;
  // The fitted runs its rows came from (`run` under `provenance`, as mop simulate writes it), distinct,
  // in order of first appearance.
  std::vector<std::string> runs;
};

struct SetLoadOptions {
  std::string text_field = "text";
  std::string label_field = "label";
  bool require_labels = false;  // every record must carry label_field (errors name file:line)
  std::string group_field;      // also read this field's values ("": none)
  bool require_group = false;   // every record must carry group_field (errors name file:line)
};

// Loads a JSONL/CSV/TSV file (or .txt directory) through mop::data::load. Labels are kept only when
// every record has one; otherwise label_note says how many lack it. embeddings are left empty.
EvalSet load_eval_set(const std::filesystem::path& path, const SetLoadOptions& options = {});

// fastText supervised model (Debian's libfasttext 0.9.2), trained on the raw texts.
struct FastTextOptions {
  int dim = 50;           // word-vector size
  int epochs = 25;        // passes over the training texts
  double lr = 0.5;        // initial learning rate (decays linearly to 0)
  int word_ngrams = 2;    // word n-grams up to this length (hashed)
  int bucket = 200'000;   // hash buckets for the n-grams (fastText's 2M would take 400 MB at dim 50)
  int min_count = 1;      // words seen fewer times are dropped
  int seed = 0;           // one training thread, so this fixes the model
};

enum class Classifier { Softmax, FastText };
// "softmax" | "fasttext"; anything else throws mop::Error.
Classifier parse_classifier(std::string_view name);
std::string_view classifier_name(Classifier classifier);

// Per-group metrics need enough rows on both sides; a group below a minimum gets a note instead.
struct GroupMinimums {
  long fid = 10;        // rows per side for FID
  long kl_cosine = 10;  // rows per side for KL-cosine (45 pairs)
  long mauve = 20;      // rows per side for MAUVE, and never fewer than its cluster count
  long prdc = 10;       // rows per side for precision/recall/density/coverage, and never fewer than k + 1
};

// Subgroups of the golden set (who is in the real population) and how much of each a synthetic
// set holds. Groupings: k-means clusters of the golden embeddings, the values of a field, and the
// golden labels. A synthetic row joins a field or label group by its own value when its set carries
// the field (with at least one value the golden set has), otherwise the group whose centroid (mean
// of the group's unit-normalised golden embeddings) is nearest its unit-normalised embedding.
struct SubgroupOptions {
  int clusters = -1;     // k-means clusters: -1 auto, max(2, min(10, floor(|G| / 50))); 0 none
  std::string group_by;  // a field of the golden records, one group per value ("": none)
  bool labels = true;    // the golden labels as a grouping too (when the golden set has labels)
  int seed = 1234;       // k-means seeding
  int examples = 3;      // golden and synthetic texts kept per group (nearest its centroid)
  int minority = 5;      // groups listed per set and grouping in the minority view
};

struct SuiteOptions {
  MauveOptions mauve;
  KlCosineOptions kl_cosine;
  PrdcOptions prdc;
  Classifier classifier = Classifier::Softmax;
  SoftmaxOptions softmax;
  FastTextOptions fasttext;
  GroupMinimums group_minimums;
  SubgroupOptions subgroups;
  std::uint64_t seed = 0;  // draws the ceiling's sample of the training data
};

// The values of one comparison; a metric that could not be computed is absent with a note.
struct Metrics {
  std::size_t golden_rows = 0;
  std::size_t synthetic_rows = 0;
  std::optional<double> fid;
  std::optional<double> mauve;
  std::optional<double> frontier_integral;
  std::optional<double> kl_cosine;   // KL(S || G), nats
  std::optional<double> precision;   // k-NN manifold metrics (prdc in metrics.h)
  std::optional<double> recall;
  std::optional<double> density;
  std::optional<double> coverage;
  std::optional<double> macro_f1;    // per group: the F1 of that label's class
  // Distribution checks (overall rows only): label shares against the golden shares (Pearson's
  // chi-square, df = golden labels - 1), response length in words (two-sample KS).
  std::optional<double> label_chi2;
  std::optional<double> label_chi2_p;
  std::optional<double> length_ks;
  std::optional<double> length_ks_p;
  // Who is missing, in one figure each (overall rows only): over the groups of the first grouping
  // (the k-means clusters by default), the lowest synthetic/golden share ratio and the lowest coverage.
  std::optional<double> subgroup_min_ratio;
  std::optional<double> subgroup_min_coverage;
  int mauve_clusters = 0;            // 0 when MAUVE was not computed
  std::vector<std::string> notes;
};

// One group of a grouping, for one synthetic set. The k-NN figures compare the group's golden rows
// with the set's rows placed in the group, each row keeping its whole-set radius (mop/metrics.h
// prdc_part), so a group the set misses has coverage 0 and one it thins out has low coverage.
struct SubgroupRow {
  std::string group;                 // "cluster 3", a field value, a label
  std::size_t golden_rows = 0;
  std::size_t synthetic_rows = 0;    // rows placed in the group
  double golden_share = 0;           // of all golden rows
  double synthetic_share = 0;        // of all the set's rows
  std::optional<double> share_ratio;  // synthetic_share / golden_share
  std::optional<double> precision, recall, density, coverage;  // absent when PRDC was not computed
  std::vector<std::string> golden_examples;     // nearest the centroid first
  std::vector<std::string> synthetic_examples;  // of the rows placed here, nearest the centroid first
};

struct SubgroupTable {
  std::string kind;        // "cluster", "field" or "label"
  std::string by;          // "k-means, k = 10, seed 1234", the field's name, the label field's name
  std::string placement;   // how the set's rows were placed: "nearest centroid" or "its own FIELD values"
  std::size_t outside_rows = 0;  // the set's rows whose own value names no golden group
  std::vector<SubgroupRow> rows;  // in the grouping's order (clusters by golden size, values sorted)
};

struct SetResult {
  std::string name;
  std::string path;
  Metrics overall;
  std::vector<std::pair<std::string, Metrics>> groups;  // by golden label, in sorted order
  KlCosineResult kl_detail;  // the two cosine histograms, for the report
  std::size_t distance_rows = 0;  // rows the distances used (the ceiling uses a sample)
  std::size_t classifier_rows = 0;  // labelled rows the classifier was trained on (0: none)
  std::vector<std::pair<std::string, std::size_t>> persona_usage;  // copied from the set
  std::vector<SubgroupTable> subgroups;  // one per grouping, in the suite's order
};

struct SuiteResult {
  std::string golden_name;
  std::size_t golden_rows = 0;
  std::vector<SetResult> sets;       // one per synthetic set, in the given order
  std::optional<SetResult> ceiling;  // real training data, when given
  std::vector<std::string> golden_labels;  // sorted; empty when the golden set is unlabelled
  std::vector<std::string> notes;          // run-wide notes (e.g. no labels, no DistilBERT)
  nlohmann::json settings;                 // options used, KL direction, classifier
  // The fitted gates behind the sets (eval_run.h fit_health): one object per (set, run) with the run's
  // last epoch from its train_log.jsonl; empty when no set names a run.
  nlohmann::json fit_health = nlohmann::json::array();
};

// Throws mop::Error, before any work, when a set is too small for the overall metrics: fewer than
// 2 rows, or fewer rows than the MAUVE cluster count (given, or resolved from the sizes).
void check_sizes(const EvalSet& golden, const std::vector<const EvalSet*>& others, const SuiteOptions& options);

class ResultStore;  // mop/eval_store.h

// Runs every comparison. `train` may be null (no ceiling). Labels outside the golden label set are
// kept in training but have no group; a labelled set sharing no label with the golden set (another
// data set, or the wrong --label) gets its overall distances and notes in place of its macro-F1 and
// per-label rows. progress, if set, gets one line per step.
// With a store, each comparison's result is looked up there first and kept there once computed.
SuiteResult evaluate(const EvalSet& golden, const std::vector<EvalSet>& synthetic, const EvalSet* train,
                     const SuiteOptions& options,
                     const std::function<void(const std::string&)>& progress = {}, ResultStore* store = nullptr);

// A metric value for tables: 4 decimals, scientific below 0.001, "—" when absent.
std::string format_value(const std::optional<double>& value);

// The groups of one table that the set under-represents most: share ratio below 1, lowest ratio
// first (ties: lowest coverage), at most `limit`.
std::vector<const SubgroupRow*> minority_rows(const SubgroupTable& table, int limit);

// metrics.json's content: settings, then one row per set (role "synthetic" or "ceiling") and one
// per (set, golden label) (role "group"); absent metrics are null, with notes.
nlohmann::json to_json(const SuiteResult& result);
// metrics.md: the overall table, the per-group table, and the notes.
std::string to_markdown(const SuiteResult& result);

}  // namespace mop::eval
