// The metric table (mop/metric_table.h): its rows, the headers and value formats the outputs have
// always had, and metrics.md / metrics.json made from it in its order.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "mop/error.h"
#include "mop/eval_store.h"
#include "mop/evaluate.h"
#include "mop/metric_table.h"

using mop::eval::Direction;
using mop::eval::kMetricTable;

namespace {

// One synthetic set with one label group, written by hand so no metric runs.
mop::eval::SuiteResult made_up_result() {
  mop::eval::SuiteResult r;
  r.golden_name = "golden.jsonl";
  r.golden_rows = 40;
  r.golden_labels = {"pos"};
  r.settings = {{"classifier", {{"name", "softmax"}}}};
  mop::eval::SetResult s;
  s.name = s.path = "s.jsonl";
  s.overall.golden_rows = 40;
  s.overall.synthetic_rows = 50;
  s.overall.fid = 0.5;
  s.overall.mauve = 2.5e-5;
  s.overall.kl_cosine = 0;
  s.overall.precision = 0.75;
  s.overall.recall = 0.5;
  s.overall.density = 1.25;
  s.overall.macro_f1 = 1.0 / 3.0;
  s.groups = {{"pos", s.overall}};
  r.sets = {s};
  return r;
}

// The cells of the markdown line that starts with `start`.
std::vector<std::string> cells_of_line(const std::string& md, const std::string& start) {
  const auto at = md.find("\n" + start);
  if (at == std::string::npos) return {};
  std::istringstream line(md.substr(at + 1, md.find('\n', at + 1) - at - 1));
  std::vector<std::string> cells;
  std::string c;
  std::getline(line, c, '|');  // before the first bar
  while (std::getline(line, c, '|')) cells.push_back(c.substr(1, c.size() - 2));
  return cells;
}

}  // namespace

TEST(MetricTable, RowsHaveUniqueNamesAndTheirDirections) {
  std::set<std::string_view> names, group_keys;
  for (const auto& c : kMetricTable) {
    EXPECT_TRUE(names.insert(c.name).second) << c.name;
    EXPECT_TRUE(group_keys.insert(c.group_key()).second) << c.group_key();
    EXPECT_FALSE(c.label.empty()) << c.name;
    EXPECT_TRUE(c.value != nullptr) << c.name;
    EXPECT_EQ(&mop::eval::metric_column(c.name), &c);
  }
  EXPECT_THROW(mop::eval::metric_column("bleu"), mop::Error);
  EXPECT_EQ(mop::eval::metric_column("fid").direction, Direction::LowerBetter);
  EXPECT_EQ(mop::eval::metric_column("mauve").direction, Direction::HigherBetter);
  EXPECT_EQ(mop::eval::metric_column("frontier_integral").direction, Direction::LowerBetter);
  EXPECT_EQ(mop::eval::metric_column("kl_cosine").direction, Direction::LowerBetter);
  EXPECT_EQ(mop::eval::metric_column("macro_f1").direction, Direction::HigherBetter);
  EXPECT_EQ(mop::eval::metric_column("macro_f1").group_key(), "class_f1");
  EXPECT_EQ(mop::eval::metric_column("fid").group_key(), "fid");
  for (const char* name : {"precision", "recall", "density", "coverage"}) {
    EXPECT_EQ(mop::eval::metric_column(name).direction, Direction::HigherBetter) << name;
    EXPECT_TRUE(mop::eval::metric_column(name).experiment_tables) << name;
  }
}

// The headers and numbers every output printed before there was a table.
TEST(MetricTable, HeadersAndFormatsAreTheOutputsOwn) {
  std::vector<std::string> headers, group_headers, report_headers, checks;
  for (const auto& c : kMetricTable) {
    if (c.check) {
      checks.push_back(c.header());
      continue;
    }
    headers.push_back(c.header());
    group_headers.push_back(c.group_header());
    report_headers.push_back(c.report_header());
  }
  EXPECT_EQ(headers, (std::vector<std::string>{"FID ↓", "MAUVE ↑", "frontier integral ↓", "KL-cosine ↓", "precision ↑",
                                               "recall ↑", "density ↑", "coverage ↑", "macro-F1 ↑"}));
  EXPECT_EQ(group_headers, (std::vector<std::string>{"FID ↓", "MAUVE ↑", "frontier integral ↓", "KL-cosine ↓",
                                                     "precision ↑", "recall ↑", "density ↑", "coverage ↑", "class F1 ↑"}));
  EXPECT_EQ(report_headers[3], "KL-cosine KL(S‖G) ↓");
  // The checks table's own columns.
  EXPECT_EQ(checks, (std::vector<std::string>{"lowest subgroup share ratio ↑", "lowest subgroup coverage ↑", "label χ² ↓",
                                              "label χ² p ↑", "length KS D ↓", "length KS p ↑"}));
  EXPECT_TRUE(mop::eval::metric_column("subgroup_min_coverage").experiment_tables);
  EXPECT_FALSE(mop::eval::metric_column("length_ks_p").experiment_tables);
  const auto& fid = mop::eval::metric_column("fid");
  EXPECT_EQ(fid.format(0.5), "0.5000");
  EXPECT_EQ(fid.format(12.34567), "12.3457");
  EXPECT_EQ(fid.format(2.5e-5), "2.50e-05");
  EXPECT_EQ(fid.format(0.0), "0.0000");
  EXPECT_EQ(fid.format(std::nullopt), "—");
}

TEST(MetricTable, MarkdownAndJsonFollowTheTable) {
  const auto r = made_up_result();
  const std::string md = mop::eval::to_markdown(r);
  std::vector<std::string> overall = {"set", "rows"}, group = {"set", "label", "golden rows", "set rows"};
  for (const auto& c : kMetricTable)
    if (!c.check) overall.push_back(c.header()), group.push_back(c.group_header());
  EXPECT_EQ(cells_of_line(md, "| set | rows |"), overall) << md;
  // The checks table follows, with the check columns only.
  std::vector<std::string> checks = {"set", "rows"};
  for (const auto& c : kMetricTable)
    if (c.check) checks.push_back(c.header());
  EXPECT_EQ(cells_of_line(md.substr(md.find("## Checks")), "| set | rows |"), checks) << md;
  EXPECT_EQ(cells_of_line(md, "| set | label |"), group) << md;
  EXPECT_EQ(cells_of_line(md, "| s.jsonl | 50 |"),
            (std::vector<std::string>{"s.jsonl", "50", "0.5000", "2.50e-05", "—", "0.0000", "0.7500", "0.5000", "1.2500",
                                      "—", "0.3333"}))
      << md;

  const auto j = mop::eval::to_json(r);
  ASSERT_EQ(j.at("rows").size(), 2u);
  for (const auto& c : kMetricTable) {
    EXPECT_TRUE(j["rows"][0].contains(c.name)) << c.name;
    EXPECT_TRUE(j["rows"][1].contains(c.group_key())) << c.name;
  }
  EXPECT_TRUE(j["rows"][0]["frontier_integral"].is_null());
  EXPECT_DOUBLE_EQ(j["rows"][1]["class_f1"].get<double>(), 1.0 / 3.0);

  // The stored result keeps every metric of the table, an absent one as absent.
  const auto back = mop::eval::set_result_from_json(mop::eval::set_result_to_json(r.sets[0]));
  for (const auto& c : kMetricTable) EXPECT_EQ(back.overall.*c.value, r.sets[0].overall.*c.value) << c.name;
}
