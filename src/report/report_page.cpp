// report.html: the metrics tables and every figure on one page with no external resource.
#include <algorithm>
#include <limits>
#include <map>

#include "mop/metric_table.h"
#include "mop/report.h"

namespace mop::report {

namespace {

const char* kStyle = R"(body{font-family:Helvetica,Arial,sans-serif;margin:16px;color:#222;background:#fff;max-width:1180px}
h1{font-size:24px;margin:0 0 6px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
p.meta{color:#555;margin:0 0 12px}table{border-collapse:collapse;font-size:13px;margin:8px 0}
th,td{border:1px solid #ccc;padding:4px 8px}th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
.figs{display:flex;flex-wrap:wrap;gap:12px}.figs svg{border:1px solid #e3e3e3;max-width:100%;height:auto}
.caption{color:#555;font-size:13px;max-width:1100px}pre{background:#f7f7f7;padding:8px;font-size:12px;overflow:auto}
)";

// The metric table's headers (overall or per label) and one row's values.
// The metric table's headers (overall or per label) and one row's values: its check columns, or the others.
std::string metric_headers(bool group, bool checks = false) {
  std::string h;
  for (const auto& c : eval::kMetricTable)
    if (c.check == checks) h += "<th>" + escape(group ? c.group_header() : c.report_header()) + "</th>";
  return h;
}

std::string metric_cells(const eval::Metrics& m, bool checks = false) {
  std::string h;
  for (const auto& c : eval::kMetricTable)
    if (c.check == checks) h += "<td class=\"n\">" + escape(c.format(m.*c.value)) + "</td>";
  return h;
}

std::string overall_table(const eval::SuiteResult& r, bool checks = false) {
  std::string h = "<table><tr><th>set</th><th>rows</th>" + metric_headers(false, checks) + "</tr>";
  auto row = [&](const std::string& name, const eval::Metrics& m) {
    h += "<tr><td>" + escape(name) + "</td><td class=\"n\">" + std::to_string(m.synthetic_rows) + "</td>" +
         metric_cells(m, checks) + "</tr>";
  };
  for (const auto& s : r.sets) row(s.name, s.overall);
  if (r.ceiling) row("real training data (ceiling): " + r.ceiling->name, r.ceiling->overall);
  return h + "</table>";
}

std::string group_table(const eval::SuiteResult& r) {
  std::string h =
      "<table><tr><th>set</th><th>label</th><th>golden rows</th><th>set rows</th>" + metric_headers(true) + "</tr>";
  auto rows = [&](const std::string& name, const eval::SetResult& s) {
    for (const auto& [label, m] : s.groups)
      h += "<tr><td>" + escape(name) + "</td><td>" + escape(label) + "</td><td class=\"n\">" +
           std::to_string(m.golden_rows) + "</td><td class=\"n\">" + std::to_string(m.synthetic_rows) + "</td>" +
           metric_cells(m) + "</tr>";
  };
  for (const auto& s : r.sets) rows(s.name, s);
  if (r.ceiling) rows("ceiling: " + r.ceiling->name, *r.ceiling);
  return h + "</table>";
}

std::string notes_list(const eval::SuiteResult& r) {
  std::string h = "<ul>";
  for (const auto& n : r.notes) h += "<li>" + escape(n) + "</li>";
  auto of = [&](const std::string& name, const eval::SetResult& s) {
    for (const auto& n : s.overall.notes) h += "<li>" + escape(name + ": " + n) + "</li>";
    for (const auto& [label, m] : s.groups)
      for (const auto& n : m.notes) h += "<li>" + escape(name + ", label " + label + ": " + n) + "</li>";
  };
  for (const auto& s : r.sets) of(s.name, s);
  if (r.ceiling) of("ceiling " + r.ceiling->name, *r.ceiling);
  return h + "</ul>";
}

// The fitted gates behind the sets (eval_run.h fit_health), under the persona usage they explain.
std::string fit_health_table(const nlohmann::json& rows) {
  if (!rows.is_array() || rows.empty()) return "";
  auto figure = [](const nlohmann::json& r, const char* key, int precision) {
    return r.contains(key) && r[key].is_number() ? num(r[key].get<double>(), precision) : std::string("—");
  };
  std::string h = "<h3>Fit health</h3><table><tr><th>set</th><th>run</th><th>personas</th><th>effective personas</th>"
                  "<th>exemplars per persona</th><th>τ range</th><th>records on one persona</th><th>collapsed</th></tr>";
  for (const auto& r : rows) {
    h += "<tr><td>" + escape(r.value("set", "")) + "</td><td>" + escape(r.value("run", "")) + "</td>";
    if (r.contains("note")) {
      h += "<td colspan=\"6\">" + escape(r["note"].get<std::string>()) + "</td></tr>";
      continue;
    }
    h += "<td class=\"n\">" + std::to_string(r.value("personas", 0)) + "</td><td class=\"n\">" +
         figure(r, "effective_personas", 2) + "</td><td class=\"n\">" + figure(r, "exemplars_per_persona", 2) +
         "</td><td class=\"n\">" + figure(r, "tau_min", 2) + "–" + figure(r, "tau_max", 2) + "</td><td class=\"n\">" +
         figure(r, "one_persona_share", 3) + "</td><td>" +
         (r.value("collapsed", false) ? "<strong>yes</strong>: the gate puts nearly all weight on one or two personas"
                                      : std::string("no")) +
         "</td></tr>";
  }
  return h + "</table><p class=\"caption\">Each fitted gate's last epoch (its train_log.jsonl), as mop fit prints "
             "it: effective numbers are exp(entropy) of the gate's mean weights over the training contexts.</p>\n";
}

// " (k = 5)": the k of the k-NN metrics, as the settings record it ("" when they do not).
std::string prdc_k(const eval::SuiteResult& r) {
  const auto& s = r.settings;
  if (!s.contains("prdc") || !s["prdc"].contains("nearest_k")) return "";
  return " (k = " + std::to_string(s["prdc"]["nearest_k"].get<int>()) + ")";
}

struct Bounds {
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  void add(double x, double y) {
    x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
  }
};

// Shared axes must hold every point and every ellipse the scatter panels draw.
void extend(Bounds& b, const ScatterSet& s) {
  std::map<std::string, std::vector<long>> groups;
  for (long i = 0; i < s.points.rows(); ++i) {
    b.add(s.points(i, 0), s.points(i, 1));
    groups[s.labels.empty() ? "" : s.labels[static_cast<std::size_t>(i)]].push_back(i);
  }
  for (const auto& [label, rows] : groups) {
    if (rows.size() < 3) continue;
    Eigen::MatrixX2d pts(static_cast<long>(rows.size()), 2);
    for (std::size_t i = 0; i < rows.size(); ++i) pts.row(static_cast<long>(i)) = s.points.row(rows[i]);
    for (const auto& p : ellipse_outline(points_ellipse(pts))) b.add(p.x(), p.y());
  }
}

std::string scatter_section(const eval::EvalSet& golden, const std::vector<eval::EvalSet>& synthetic,
                            const PageOptions& o) {
  std::vector<const embed::Matrix*> all{&golden.embeddings};
  for (const auto& s : synthetic) all.push_back(&s.embeddings);
  const Pca2 pca = fit_pca2(all);
  const ScatterSet g{golden.name, project(pca, golden.embeddings), golden.labels, std::string(kGoldenColour)};
  std::vector<ScatterSet> sets;
  Bounds b;
  extend(b, g);
  for (const auto& s : synthetic) {
    sets.push_back({s.name, project(pca, s.embeddings), s.labels, std::string(kSyntheticColour)});
    extend(b, sets.back());
  }
  const double px = 0.04 * (b.x1 - b.x0), py = 0.04 * (b.y1 - b.y0);
  ScatterOptions so;
  so.x_range = {b.x0 - px, b.x1 + px};
  so.y_range = {b.y0 - py, b.y1 + py};
  so.explained = pca.explained;
  so.max_points = o.max_points;
  so.seed = o.seed;
  std::string h = "<div class=\"figs\">";
  for (const auto& s : sets) h += scatter_svg(g, s, so);
  return h + "</div>";
}

}  // namespace

std::string render_html(const eval::SuiteResult& result, const eval::EvalSet& golden,
                        const std::vector<eval::EvalSet>& synthetic, const PageOptions& options) {
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(options.title) +
                  "</title><style>" + kStyle + "</style></head><body>\n";
  h += "<h1>" + escape(options.title) + "</h1><p class=\"meta\">golden set: " + escape(result.golden_name) + " (" +
       std::to_string(result.golden_rows) + " rows";
  if (!result.golden_labels.empty()) h += ", " + std::to_string(result.golden_labels.size()) + " labels";
  h += ")";
  if (result.settings.contains("encoder"))
    h += " · encoder: <code>" + escape(result.settings["encoder"].value("id", "")) + "</code>";
  h += " · classifier: " + escape(result.settings["classifier"].value("name", "")) + "</p>\n";

  h += "<h2>Metrics</h2>" + overall_table(result) +
       "<p class=\"caption\">FID: Fréchet distance of Gaussians fitted to the embeddings (lower is closer). MAUVE: "
       "area under the divergence frontier of cluster histograms (higher is closer); frontier integral: lower is "
       "closer. KL-cosine: KL(S ‖ G) between the within-set pairwise cosine-similarity histograms, synthetic "
       "relative to golden (lower is closer). Precision, recall, density and coverage (higher is closer) compare "
       "k-nearest-neighbour balls, each row's ball reaching its k-th nearest row of its own set" + prdc_k(result) + ": "
       "precision is the share of synthetic rows inside some golden ball (fidelity), recall the share of golden rows "
       "inside some synthetic ball (diversity), density the mean number of golden balls holding a synthetic row over "
       "k (about 1 when the sets match; may exceed 1), coverage the share of golden balls holding a synthetic row, so "
       "a golden region the set misses lowers it. macro-F1: a classifier trained on the set's labels, tested on the "
       "golden labels. The ceiling row is real training data: its classifier bounds the F1, its distances show "
       "what real-vs-real looks like.</p>\n";

  h += "<h2>Checks</h2>" + overall_table(result, true) +
       "<p class=\"caption\">Label χ²: Pearson's chi-square of the set's label counts against the golden label shares "
       "(df = labels − 1) and its p-value; a small p says the shares differ. Length KS: the two-sample "
       "Kolmogorov-Smirnov distance between the distributions of words per text, and its asymptotic p-value. Lowest "
       "subgroup share ratio and coverage: over the groups of the first subgrouping below (the k-means clusters of "
       "the golden set by default).</p>\n";
  h += subgroups_section(result);

  h += "<h2>Embedding space</h2>" + scatter_section(golden, synthetic, options) +
       "<p class=\"caption\">Every set projected on the first two principal axes of golden and all synthetic sets "
       "together (shared axes across panels). Ellipses hold two standard deviations of each label's points, by "
       "set colour and label line style.</p>\n";

  h += "<h2>Pairwise cosine similarity</h2><div class=\"figs\">";
  for (const auto& s : result.sets)
    if (!s.kl_detail.golden_hist.empty())
      h += histogram_svg(s.kl_detail.golden_hist, s.kl_detail.synthetic_hist, s.name, s.kl_detail.kl);
  h += "</div>\n";

  h += "<h2>Persona usage</h2>";
  bool any_usage = false;
  std::string bars = "<div class=\"figs\">";
  for (const auto& s : result.sets)
    if (!s.persona_usage.empty()) bars += persona_bars_svg(s.persona_usage, s.name), any_usage = true;
  h += any_usage ? bars + "</div>\n"
                 : "<p>No synthetic set carries persona provenance (a <code>persona_id</code> field, at the top level "
                   "or under <code>provenance</code>).</p>\n";
  h += fit_health_table(result.fit_health);

  if (!result.golden_labels.empty())
    h += "<h2>Per golden label</h2>" + group_table(result) +
         "<p class=\"caption\">Each set restricted to one golden label; class F1 is that label's F1 under the set's "
         "classifier.</p>\n";
  h += "<h2>Notes</h2>" + notes_list(result);
  h += "<h2>Settings</h2><pre>" + escape(result.settings.dump(2)) + "</pre>\n</body></html>\n";
  return h;
}

}  // namespace mop::report
