// The suite's comparisons: overall distances, downstream F1 and per-label groups for each set.
#include <algorithm>
#include <cmath>
#include <set>

#include "eval/downstream.h"
#include "eval/subgroups.h"
#include "mop/dataset.h"
#include "mop/error.h"
#include "mop/eval_store.h"
#include "mop/evaluate.h"
#include "mop/util/progress.h"
#include "util/sha256.h"

namespace mop::eval {

namespace {

using Progress = std::function<void(const std::string&)>;

int mauve_clusters_for(const MauveOptions& o, long golden_rows, long synthetic_rows) {
  if (o.num_clusters > 0) return o.num_clusters;
  return std::max(2, static_cast<int>(std::nearbyint(static_cast<double>(std::min(golden_rows, synthetic_rows)) / 10.0)));
}

std::string rows_note(const char* metric, long g, long s, long need) {
  return std::string(metric) + " skipped: " + std::to_string(g) + " golden and " + std::to_string(s) +
         " synthetic rows, needs at least " + std::to_string(need) + " on each side";
}

// FID, MAUVE, KL-cosine and the k-NN metrics of one pair of embedding sets. With minimums (per-group use), a metric
// whose minimum is not met is left out with a note; without, the metrics' own errors apply.
Metrics distances(const embed::Matrix& g, const embed::Matrix& s, const SuiteOptions& o,
                  const GroupMinimums* minimums, KlCosineResult* kl_detail, std::optional<PrdcRows>* prdc_detail = nullptr) {
  Metrics m;
  m.golden_rows = static_cast<std::size_t>(g.rows());
  m.synthetic_rows = static_cast<std::size_t>(s.rows());
  const long least = std::min(g.rows(), s.rows());
  if (!minimums || least >= minimums->fid) m.fid = fid(g, s).fid;
  else m.notes.push_back(rows_note("FID", g.rows(), s.rows(), minimums->fid));

  const int k = mauve_clusters_for(o.mauve, g.rows(), s.rows());
  const long mauve_need = minimums ? std::max<long>(minimums->mauve, k) : k;
  if (least >= mauve_need) {
    const MauveResult r = mauve(g, s, o.mauve);
    m.mauve = r.mauve;
    m.frontier_integral = r.frontier_integral;
    m.mauve_clusters = r.num_clusters;
  } else {
    m.notes.push_back(rows_note("MAUVE", g.rows(), s.rows(), mauve_need));
  }

  if (!minimums || least >= minimums->kl_cosine) {
    KlCosineResult r = kl_cosine(g, s, o.kl_cosine);
    m.kl_cosine = r.kl;
    if (kl_detail) *kl_detail = std::move(r);
  } else {
    m.notes.push_back(rows_note("KL-cosine", g.rows(), s.rows(), minimums->kl_cosine));
  }

  // A k-NN radius needs k other rows in the set; a set too small gets a note even overall.
  const long prdc_need = std::max<long>(minimums ? minimums->prdc : 0, o.prdc.nearest_k + 1L);
  if (least >= prdc_need) {
    PrdcRows rows = prdc_rows(g, s, o.prdc);
    const PrdcResult p = prdc_summary(rows);
    if (prdc_detail) *prdc_detail = std::move(rows);
    m.precision = p.precision;
    m.recall = p.recall;
    m.density = p.density;
    m.coverage = p.coverage;
  } else {
    m.notes.push_back(rows_note("precision, recall, density and coverage", g.rows(), s.rows(), prdc_need));
  }
  return m;
}

embed::Matrix rows_of(const embed::Matrix& m, const std::vector<std::size_t>& rows) {
  embed::Matrix out(static_cast<long>(rows.size()), m.cols());
  for (std::size_t i = 0; i < rows.size(); ++i) out.row(static_cast<long>(i)) = m.row(static_cast<long>(rows[i]));
  return out;
}

std::vector<std::size_t> rows_with(const std::vector<std::string>& labels, const std::string& label) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] == label) out.push_back(i);
  return out;
}

EvalSet sample_of(const EvalSet& set, std::size_t n, std::uint64_t seed) {
  const auto idx = data::sample_indices(set.texts.size(), n, seed);
  EvalSet out;
  out.name = set.name;
  out.path = set.path;
  out.embeddings = rows_of(set.embeddings, idx);
  for (std::size_t i : idx) {
    out.texts.push_back(set.texts[i]);
    if (!set.labels.empty()) out.labels.push_back(set.labels[i]);
    if (!set.group_values.empty()) out.group_values.push_back(set.group_values[i]);
  }
  return out;
}

void check_shape(const EvalSet& set, long dim) {
  if (set.embeddings.rows() != static_cast<long>(set.texts.size()) || set.embeddings.cols() != dim)
    throw Error(set.name + ": embeddings are " + std::to_string(set.embeddings.rows()) + " x " +
                std::to_string(set.embeddings.cols()) + " but the set has " + std::to_string(set.texts.size()) +
                " texts and the golden embeddings are " + std::to_string(dim) + "-d");
  if (!set.labels.empty() && set.labels.size() != set.texts.size())
    throw Error(set.name + ": " + std::to_string(set.labels.size()) + " labels for " +
                std::to_string(set.texts.size()) + " texts");
}

// A labelled set whose labels share none with a labelled golden set's (another data set, say):
// its distances still mean something, its classifier and label groups do not. The reason, or "".
std::string disjoint_labels(const EvalSet& set, const std::vector<std::string>& golden_labels) {
  if (set.labels.empty() || golden_labels.empty()) return "";
  for (const auto& l : set.labels)
    if (std::binary_search(golden_labels.begin(), golden_labels.end(), l)) return "";
  const std::set<std::string> own(set.labels.begin(), set.labels.end());
  std::string list;
  for (const auto& l : own) list += (list.empty() ? "" : ", ") + l;
  std::string golden;
  for (const auto& l : golden_labels) golden += (golden.empty() ? "" : ", ") + l;
  return set.name + "'s labels (" + list + ") share none with the golden set's (" + golden + ")";
}

// Response lengths (two-sample KS on word counts) and, for a labelled set sharing the golden labels,
// its label shares against the golden ones (chi-square): the checks people run first.
void distribution_checks(const EvalSet& golden, const std::vector<std::string>& golden_labels, const EvalSet& set,
                         Metrics& m) {
  std::vector<double> g_len, s_len;
  for (const auto& t : golden.texts) g_len.push_back(static_cast<double>(word_count(t)));
  for (const auto& t : set.texts) s_len.push_back(static_cast<double>(word_count(t)));
  const KsResult ks = ks_two_sample(g_len, s_len);
  m.length_ks = ks.statistic;
  m.length_ks_p = ks.p_value;

  if (golden_labels.size() < 2 || set.labels.empty()) return;
  std::vector<double> observed(golden_labels.size(), 0), shares(golden_labels.size(), 0);
  for (const auto& l : golden.labels)
    shares[static_cast<std::size_t>(std::lower_bound(golden_labels.begin(), golden_labels.end(), l) - golden_labels.begin())] += 1;
  std::size_t outside = 0;
  for (const auto& l : set.labels) {
    const auto it = std::lower_bound(golden_labels.begin(), golden_labels.end(), l);
    if (it != golden_labels.end() && *it == l) observed[static_cast<std::size_t>(it - golden_labels.begin())] += 1;
    else ++outside;
  }
  if (outside == set.labels.size()) return;
  const ChiSquareResult chi = chi_square_fit(observed, shares);
  m.label_chi2 = chi.statistic;
  m.label_chi2_p = chi.p_value;
  if (outside > 0)
    m.notes.push_back("label chi-square: " + std::to_string(outside) +
                      " rows carry a label the golden set does not have and are left out of it");
}

// Each grouping's table for dist_set, and the one-figure summaries of the first.
void subgroup_tables(const EvalSet& golden, const EvalSet& dist_set, const std::vector<detail::Grouping>& groupings,
                     const std::optional<PrdcRows>& prdc_detail, const SuiteOptions& o, SetResult& r) {
  for (const auto& g : groupings)
    r.subgroups.push_back(detail::subgroup_table(g, golden, dist_set, prdc_detail ? &*prdc_detail : nullptr, o.subgroups));
  if (r.subgroups.empty()) return;
  for (const auto& row : r.subgroups.front().rows) {
    auto lower = [](std::optional<double>& best, const std::optional<double>& v) {
      if (v && (!best || *v < *best)) best = v;
    };
    lower(r.overall.subgroup_min_ratio, row.share_ratio);
    lower(r.overall.subgroup_min_coverage, row.coverage);
  }
}

// One row: distances of dist_set to golden, F1 of a classifier trained on clf_set, per-label groups,
// subgroup tables and distribution checks.
SetResult compare(const EvalSet& golden, const std::vector<std::string>& golden_labels,
                  const std::vector<detail::Grouping>& groupings, const EvalSet& dist_set, const EvalSet& clf_set,
                  const SuiteOptions& o, const Progress& progress) {
  SetResult r;
  r.name = clf_set.name;
  r.path = clf_set.path;
  r.persona_usage = clf_set.persona_usage;
  r.distance_rows = dist_set.texts.size();
  const std::string disjoint = disjoint_labels(clf_set, golden_labels);
  if (!disjoint.empty() && progress)
    progress(r.name + ": " + disjoint + "; computing the distances only, without macro-F1 and per-label rows");
  if (progress)
    progress(r.name + ": FID, MAUVE, KL-cosine, precision/recall/density/coverage on " +
             std::to_string(r.distance_rows) + " rows");
  std::optional<PrdcRows> prdc_detail;
  {
    // MAUVE's k-means is the long part of the whole-set distances: it gets its own progress.
    util::ProgressBar bar("MAUVE k-means " + r.name, 0);
    SuiteOptions with_progress = o;
    with_progress.mauve.progress = [&](size_t done, size_t total) { bar.update(done, total); };
    r.overall = distances(golden.embeddings, dist_set.embeddings, with_progress, nullptr, &r.kl_detail, &prdc_detail);
  }
  subgroup_tables(golden, dist_set, groupings, prdc_detail, o, r);
  distribution_checks(golden, disjoint.empty() ? golden_labels : std::vector<std::string>{}, dist_set, r.overall);
  if (!disjoint.empty()) {
    // Another data set, or the wrong --label: the whole-set distances are its result.
    r.overall.notes.push_back("macro-F1 and per-label rows left out: " + disjoint +
                              ", so a classifier trained on its labels cannot predict the golden ones and none of "
                              "its rows falls in a golden label's group; the distances compare the whole sets");
    return r;
  }

  std::optional<detail::Downstream> downstream;
  const std::string f1_missing =
      golden_labels.empty() ? "macro-F1 skipped: the golden set has no labels"
      : clf_set.labels.empty()
          ? "macro-F1 skipped: " + clf_set.name + " has no labels" +
                (clf_set.label_note.empty() ? "" : " (" + clf_set.label_note + ")")
          : std::set<std::string>(clf_set.labels.begin(), clf_set.labels.end()).size() < 2
              ? "macro-F1 skipped: " + clf_set.name + " has a single label, a classifier needs two"
              : "";
  if (f1_missing.empty()) {
    if (progress) progress(r.name + ": training the " + std::string(classifier_name(o.classifier)) + " classifier on " +
                           std::to_string(clf_set.texts.size()) + " rows");
    downstream = detail::predict_golden(clf_set, golden, o);
    r.classifier_rows = clf_set.texts.size();
    r.overall.macro_f1 = macro_f1(golden.labels, downstream->predicted);
    for (auto& n : downstream->notes) r.overall.notes.push_back(n);
  } else {
    r.overall.notes.push_back(f1_missing);
  }

  for (const auto& label : golden_labels) {
    const auto g_rows = rows_with(golden.labels, label);
    Metrics m;
    if (dist_set.labels.empty()) {
      m.golden_rows = g_rows.size();
      m.notes.push_back("distances skipped: " + dist_set.name + " has no labels to group by");
    } else if (const std::string d = disjoint_labels(dist_set, golden_labels); !d.empty()) {
      m.golden_rows = g_rows.size();
      m.notes.push_back("distances skipped: " + d);
    } else {
      const auto s_rows = rows_with(dist_set.labels, label);
      m = distances(rows_of(golden.embeddings, g_rows), rows_of(dist_set.embeddings, s_rows), o, &o.group_minimums,
                    nullptr);
    }
    if (downstream) m.macro_f1 = detail::class_f1(golden.labels, downstream->predicted, label);
    r.groups.emplace_back(label, std::move(m));
  }
  return r;
}

// Every option that changes a value, as metrics.json reports it (and as stored results are keyed).
nlohmann::json settings_of(const SuiteOptions& options, long golden_rows) {
  const auto& m = options.mauve;
  const auto& k = options.kl_cosine;
  nlohmann::json settings = {
      {"fid", {{"covariance", "sample covariance (divisor n - 1), double precision"}}},
      {"mauve",
       {{"num_clusters", m.num_clusters == 0 ? nlohmann::json("auto: max(2, round(min(|G|, |S|) / 10))")
                                             : nlohmann::json(m.num_clusters)},
        {"scaling_factor", m.scaling_factor}, {"pca_variance", m.pca_variance}, {"seed", m.seed},
        {"kmeans_iters", m.kmeans_iters}, {"kmeans_redo", m.kmeans_redo}, {"curve_points", m.curve_points}}},
      {"kl_cosine",
       {{"direction", "KL(S || G) = sum_b s_b log(s_b / g_b): synthetic relative to golden"},
        {"bins", k.bins}, {"range", {-1, 1}}, {"smoothing", k.smoothing}, {"max_pairs", k.max_pairs},
        {"seed", k.seed}}},
      {"classifier", {{"name", classifier_name(options.classifier)}}},
      {"prdc",
       {{"nearest_k", options.prdc.nearest_k},
        {"distance", "Euclidean on the embeddings; radius = distance to the k-th nearest row of the same set"},
        {"reference", "compute_prdc of clovaai/generative-evaluation-prdc (real = golden, fake = synthetic)"}}},
      {"subgroups",
       {{"clusters", detail::subgroup_clusters(options.subgroups, golden_rows)},
        {"clusters_rule", options.subgroups.clusters < 0 ? "auto: max(2, min(10, floor(|G| / 50)))" : "given"},
        {"clustering", "k-means (faiss, 25 iterations, 5 restarts) of the unit-normalised golden embeddings"},
        {"seed", options.subgroups.seed},
        {"group_by", options.subgroups.group_by.empty() ? nlohmann::json() : nlohmann::json(options.subgroups.group_by)},
        {"labels", options.subgroups.labels},
        {"placement", "a synthetic row joins the group of its own field or label value when its set carries that field "
                      "with a golden value, else the group whose centroid is nearest its unit-normalised embedding"},
        {"prdc", "per group: its golden rows against the synthetic rows placed in it, each row keeping the k-NN "
                 "radius it has in its whole set"},
        {"examples", options.subgroups.examples},
        {"minority", options.subgroups.minority}}},
      {"checks",
       {{"label_shares", "Pearson chi-square of the set's label counts against the golden shares, df = labels - 1"},
        {"length", "two-sample Kolmogorov-Smirnov on words per text, asymptotic p-value"}}},
      {"group_minimums",
       {{"fid", options.group_minimums.fid}, {"kl_cosine", options.group_minimums.kl_cosine},
        {"mauve", options.group_minimums.mauve}, {"prdc", options.group_minimums.prdc}}},
      {"distilbert", "in its place, macro-F1 comes from the " + std::string(classifier_name(options.classifier)) +
                         " classifier (settings.classifier) trained on each set's labels; mop does not fine-tune "
                         "the paper's DistilBERT"}};
  auto& c = settings["classifier"];
  if (options.classifier == Classifier::Softmax) {
    c["l2"] = options.softmax.l2;
    c["max_iter"] = options.softmax.max_iter;
    c["tolerance"] = options.softmax.tolerance;
    c["input"] = "sentence embeddings";
  } else {
    const auto& f = options.fasttext;
    c.update({{"dim", f.dim}, {"epochs", f.epochs}, {"lr", f.lr}, {"word_ngrams", f.word_ngrams},
              {"bucket", f.bucket}, {"min_count", f.min_count}, {"seed", f.seed}, {"input", "raw texts"}});
  }
  return settings;
}

// Bump when a change to the metric code changes values, so results stored by older code are not reused.
constexpr const char* kStoreVersion = "mop-eval-set-3";

void feed(util::Sha256& h, std::string_view s) {
  const std::uint64_t n = s.size();
  h.update(&n, sizeof n);  // length first: ("ab", "c") and ("a", "bc") differ
  h.update(s.data(), s.size());
}

// The path is left out: the same file named another way (relative, absolute) is the same set; a
// reused result takes the path of this run.
void feed(util::Sha256& h, const EvalSet& set) {
  feed(h, set.name);
  feed(h, std::to_string(set.texts.size()));
  for (const auto& t : set.texts) feed(h, t);
  feed(h, std::to_string(set.labels.size()));
  for (const auto& l : set.labels) feed(h, l);
  feed(h, set.label_note);
  feed(h, std::to_string(set.group_values.size()));
  for (const auto& v : set.group_values) feed(h, v);
  const std::int64_t shape[2] = {set.embeddings.rows(), set.embeddings.cols()};
  h.update(shape, sizeof shape);
  h.update(set.embeddings.data(), sizeof(float) * static_cast<std::size_t>(set.embeddings.size()));
  for (const auto& [id, n] : set.persona_usage) feed(h, id + "=" + std::to_string(n));
}

// What every comparison of one evaluation shares: the code version, the settings, the golden set.
// Hashed once; each comparison's key continues from a copy.
util::Sha256 shared_key_part(const nlohmann::json& settings, const EvalSet& golden) {
  util::Sha256 h;
  feed(h, kStoreVersion);
  feed(h, settings.dump());
  feed(h, golden);
  return h;
}

// The key of one comparison: everything compare() reads.
std::string result_key(util::Sha256 h, const std::string& role, const EvalSet& dist_set, const EvalSet& clf_set) {
  feed(h, role);
  feed(h, dist_set);
  if (&clf_set != &dist_set) feed(h, clf_set);
  return util::to_hex(h.finish());
}

// compare(), or the stored result of the same comparison.
SetResult compare_or_reuse(const EvalSet& golden, const std::vector<std::string>& golden_labels,
                           const std::vector<detail::Grouping>& groupings, const EvalSet& dist_set,
                           const EvalSet& clf_set, const SuiteOptions& o, const Progress& progress, ResultStore* store,
                           const util::Sha256& shared, const std::string& role) {
  if (!store) return compare(golden, golden_labels, groupings, dist_set, clf_set, o, progress);
  const std::string key = result_key(shared, role, dist_set, clf_set);
  if (auto found = store->find(key)) {
    if (progress) progress(clf_set.name + ": reusing the stored result " + key.substr(0, 12));
    found->path = clf_set.path;
    return *found;
  }
  SetResult r = compare(golden, golden_labels, groupings, dist_set, clf_set, o, progress);
  store->keep(key, r);
  return r;
}

}  // namespace

void check_sizes(const EvalSet& golden, const std::vector<const EvalSet*>& others, const SuiteOptions& options) {
  if (options.mauve.num_clusters < 0) throw Error("the MAUVE cluster count must be positive (or 0 for auto)");
  const auto g = static_cast<long>(golden.texts.size());
  if (g < 2) throw Error(golden.path + ": the golden set has " + std::to_string(g) + " row(s); FID and KL-cosine need at least 2");
  for (const EvalSet* s : others) {
    const auto n = static_cast<long>(s->texts.size());
    if (n < 2) throw Error(s->path + ": " + std::to_string(n) + " row(s); FID and KL-cosine need at least 2");
    const int k = mauve_clusters_for(options.mauve, g, n);
    if (std::min(g, n) < k)
      throw Error("MAUVE with " + std::to_string(k) + " clusters needs at least " + std::to_string(k) +
                  " rows in each set, but " + (g < k ? golden.path + " has " + std::to_string(g)
                                                     : s->path + " has " + std::to_string(n)) +
                  "; lower --mauve-clusters");
  }
}

SuiteResult evaluate(const EvalSet& golden, const std::vector<EvalSet>& synthetic, const EvalSet* train,
                     const SuiteOptions& options, const Progress& progress, ResultStore* store) {
  if (synthetic.empty()) throw Error("no synthetic set to evaluate");
  std::vector<const EvalSet*> others;
  for (const auto& s : synthetic) others.push_back(&s);
  if (train) others.push_back(train);
  check_sizes(golden, others, options);
  const long dim = golden.embeddings.cols();
  check_shape(golden, dim);
  for (const EvalSet* s : others) check_shape(*s, dim);

  SuiteResult result;
  result.golden_name = golden.name;
  result.golden_rows = golden.texts.size();
  const std::set<std::string> distinct(golden.labels.begin(), golden.labels.end());
  result.golden_labels.assign(distinct.begin(), distinct.end());
  if (result.golden_labels.empty())
    result.notes.push_back("the golden set has no labels" +
                           (golden.label_note.empty() ? std::string() : " (" + golden.label_note + ")") +
                           ": no macro-F1 and no per-label breakdown");
  if (!result.golden_labels.empty())
    result.notes.push_back(std::string("downstream F1 comes from a ") +
                           (options.classifier == Classifier::FastText ? "fastText classifier trained on each set's texts"
                                                                       : "softmax classifier trained on each set's embeddings") +
                           ", in place of the paper's fine-tuned DistilBERT, which mop does not run (docs/evaluation.md)");

  if (progress && (options.subgroups.clusters != 0 || !options.subgroups.group_by.empty()))
    progress("subgroups of the golden set (" + std::to_string(detail::subgroup_clusters(options.subgroups, golden.embeddings.rows())) +
             " k-means clusters" + (options.subgroups.group_by.empty() ? "" : ", values of " + options.subgroups.group_by) + ")");
  const auto groupings = detail::golden_groupings(golden, result.golden_labels, options.subgroups);
  const nlohmann::json settings = settings_of(options, golden.embeddings.rows());
  const auto shared = store ? shared_key_part(settings, golden) : util::Sha256();
  for (const auto& s : synthetic)
    result.sets.push_back(
        compare_or_reuse(golden, result.golden_labels, groupings, s, s, options, progress, store, shared, "synthetic"));

  std::size_t sample_rows = 0;
  if (train) {
    if (train->labels.empty()) throw Error(train->path + ": real training data needs labels for the F1 ceiling");
    // Distances on as many real rows as the largest synthetic set, so they compare like for like.
    std::size_t largest = 0;
    for (const auto& s : synthetic) largest = std::max(largest, s.texts.size());
    sample_rows = std::min(train->texts.size(), largest);
    const EvalSet sample = sample_of(*train, sample_rows, options.seed);
    result.ceiling = compare_or_reuse(golden, result.golden_labels, groupings, sample, *train, options, progress, store,
                                      shared, "ceiling");
  }

  result.settings = settings;
  if (train)
    result.settings["ceiling"] = {{"train", train->path}, {"train_rows", train->texts.size()},
                                  {"distance_sample_rows", sample_rows}, {"sample_seed", options.seed}};
  return result;
}

}  // namespace mop::eval
