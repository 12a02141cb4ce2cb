// The report's figures and page, on small made-up inputs: what is drawn, and that the page is
// self-contained.
#include <gtest/gtest.h>

#include <random>

#include "mop/report.h"

namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

mop::report::ScatterSet cloud(const std::string& name, int n, double shift, bool labelled) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> z;
  mop::report::ScatterSet s{name, Eigen::MatrixX2d(n, 2), {}, "#ff7f0e"};
  for (int i = 0; i < n; ++i) {
    s.points(i, 0) = z(rng) + shift;
    s.points(i, 1) = 0.5 * z(rng);
    if (labelled) s.labels.push_back(i % 2 ? "pos" : "neg");
  }
  return s;
}

}  // namespace

TEST(ReportScatter, OneEllipsePerLabelAndSetAndCappedDots) {
  const auto g = cloud("gold", 50, 0, true), s = cloud("synth <1>", 50, 1, true);
  mop::report::ScatterOptions o;
  o.x_range = {-4, 5};
  o.y_range = {-2, 2};
  o.max_points = 30;
  const std::string svg = mop::report::scatter_svg(g, s, o);
  EXPECT_EQ(count(svg, "<polygon"), 4u + 1u);  // 2 labels x 2 sets, plus the plot frame
  EXPECT_EQ(count(svg, "<circle"), 60u);       // 30 dots per set
  EXPECT_NE(svg.find("synth &lt;1&gt;"), std::string::npos);
  EXPECT_NE(svg.find(">neg<"), std::string::npos);  // label legend
}

TEST(ReportScatter, UnlabelledSetsGetOneEllipseEach) {
  const auto g = cloud("gold", 20, 0, false), s = cloud("synth", 20, 1, false);
  const std::string svg = mop::report::scatter_svg(g, s, {});
  EXPECT_EQ(count(svg, "<polygon"), 2u + 1u);
  EXPECT_NE(svg.find("all rows"), std::string::npos);
}

TEST(ReportHistogram, BothSetsAndTheKlAreShown) {
  std::vector<double> g(100, 0.0), s(100, 0.0);
  g[50] = 0.5, g[51] = 0.5, s[60] = 1.0;
  const std::string svg = mop::report::histogram_svg(g, s, "synth", 1.25);
  EXPECT_EQ(count(svg, "fill=\"#1f77b4\" fill-opacity"), 1u);
  EXPECT_EQ(count(svg, "fill=\"#ff7f0e\" fill-opacity"), 1u);
  EXPECT_NE(svg.find("KL(S ‖ G) = 1.2500 nats"), std::string::npos);
}

TEST(ReportBars, NamedUpToFortyRankedBeyond) {
  std::vector<std::pair<std::string, std::size_t>> few = {{"0", 5}, {"1", 15}, {"(none)", 2}};
  const std::string small = mop::report::persona_bars_svg(few, "set");
  EXPECT_NE(small.find(">(none)<"), std::string::npos);
  EXPECT_NE(small.find("2 personas; effective number exp(H) = "), std::string::npos);
  EXPECT_NE(small.find("most used: 1 (75% of rows)"), std::string::npos);
  std::vector<std::pair<std::string, std::size_t>> many;
  for (int i = 0; i < 60; ++i) many.emplace_back("persona-" + std::to_string(i), static_cast<std::size_t>(i + 1));
  const std::string big = mop::report::persona_bars_svg(many, "set");
  EXPECT_NE(big.find("personas ranked by use (60)"), std::string::npos);
  EXPECT_EQ(big.find(">persona-0<"), std::string::npos);  // no per-bar names
}

TEST(ReportPage, SelfContainedWithTablesAndFigures) {
  mop::eval::EvalSet golden, synth;
  golden.name = "gold.jsonl";
  synth.name = "synth.jsonl";
  std::mt19937_64 rng(3);
  std::normal_distribution<float> z;
  golden.embeddings.resize(40, 5);
  synth.embeddings.resize(40, 5);
  for (long i = 0; i < 40; ++i)
    for (long j = 0; j < 5; ++j) golden.embeddings(i, j) = z(rng), synth.embeddings(i, j) = z(rng) + 0.5f;
  for (int i = 0; i < 40; ++i) {
    golden.labels.push_back(i % 2 ? "a" : "b");
    synth.labels.push_back(i % 2 ? "a" : "b");
  }
  mop::eval::SuiteResult r;
  r.golden_name = "gold.jsonl";
  r.golden_rows = 40;
  r.golden_labels = {"a", "b"};
  r.settings = {{"classifier", {{"name", "softmax"}}}, {"encoder", {{"id", "enc<1>"}}}};
  mop::eval::SetResult s;
  s.name = "synth.jsonl";
  s.overall.synthetic_rows = 40;
  s.overall.fid = 0.5;
  s.overall.notes = {"a note & more"};
  s.kl_detail.golden_hist = std::vector<double>(10, 0.1);
  s.kl_detail.synthetic_hist = std::vector<double>(10, 0.1);
  s.groups = {{"a", {}}, {"b", {}}};
  r.sets.push_back(s);
  const std::string html = mop::report::render_html(r, golden, {synth});
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(count(html, "<svg"), 2u);  // scatter + histogram; no persona data
  EXPECT_NE(html.find("No synthetic set carries persona provenance"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"n\">0.5000</td>"), std::string::npos);
  EXPECT_NE(html.find("enc&lt;1&gt;"), std::string::npos);
  EXPECT_NE(html.find("a note &amp; more"), std::string::npos);
  EXPECT_NE(html.find("Per golden label"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find(" src="), std::string::npos);
  EXPECT_EQ(html.find(" href="), std::string::npos);
}
