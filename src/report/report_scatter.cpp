// The PCA scatter panel: golden against one synthetic set, with a 2-SD ellipse per label and set.
#include <algorithm>
#include <map>
#include <set>

#include "mop/dataset.h"
#include "mop/report.h"

namespace mop::report {

namespace {

// Line styles telling labels apart (the set is told by colour).
const std::vector<std::string> kDashes = {"", "7 4", "2 3", "9 3 2 3", "14 4", "4 2 1 2 1 2", "1 5", "12 3 3 3"};
constexpr std::size_t kMaxLegendLabels = 8;

std::vector<std::string> label_order(const ScatterSet& a, const ScatterSet& b) {
  std::set<std::string> all(a.labels.begin(), a.labels.end());
  all.insert(b.labels.begin(), b.labels.end());
  if (all.empty()) return {"all rows"};
  return {all.begin(), all.end()};
}

// Each label's points (or all of them for an unlabelled set).
std::map<std::string, std::vector<long>> groups_of(const ScatterSet& s) {
  std::map<std::string, std::vector<long>> out;
  for (long i = 0; i < s.points.rows(); ++i)
    out[s.labels.empty() ? std::string("all rows") : s.labels[static_cast<std::size_t>(i)]].push_back(i);
  return out;
}

void draw_points(Svg& svg, const PlotArea& area, const ScatterSet& s, const ScatterOptions& o) {
  const auto n = static_cast<std::size_t>(s.points.rows());
  std::vector<std::size_t> shown;
  if (n > o.max_points) shown = data::sample_indices(n, o.max_points, o.seed);
  else for (std::size_t i = 0; i < n; ++i) shown.push_back(i);
  for (std::size_t i : shown) {
    const auto r = static_cast<long>(i);
    svg.circle(area.px(s.points(r, 0)), area.py(s.points(r, 1)), 2.2, s.colour, 0.35);
  }
}

void draw_ellipses(Svg& svg, const PlotArea& area, const ScatterSet& s, const std::vector<std::string>& order) {
  for (const auto& [label, rows] : groups_of(s)) {
    if (rows.size() < 3) continue;  // two points make a segment, not an ellipse
    Eigen::MatrixX2d pts(static_cast<long>(rows.size()), 2);
    for (std::size_t i = 0; i < rows.size(); ++i) pts.row(static_cast<long>(i)) = s.points.row(rows[i]);
    const auto at = static_cast<std::size_t>(std::find(order.begin(), order.end(), label) - order.begin());
    std::vector<Eigen::Vector2d> outline;
    for (const auto& p : ellipse_outline(points_ellipse(pts, 2.0))) outline.emplace_back(area.px(p.x()), area.py(p.y()));
    svg.polyline(outline, s.colour, 2.2, kDashes[at % kDashes.size()], true);
  }
}

}  // namespace

std::string scatter_svg(const ScatterSet& golden, const ScatterSet& synthetic, const ScatterOptions& o) {
  const std::vector<std::string> order = label_order(golden, synthetic);
  const std::size_t legend_labels = std::min(order.size(), kMaxLegendLabels);
  const double legend_rows = 1 + static_cast<double>((legend_labels + 2) / 3);
  const double width = 560, height = 420 + 20 * legend_rows;
  Svg svg(width, height, "PCA of golden and " + synthetic.name);
  PlotArea area{64, 36, 470, 320, nice_ticks(o.x_range[0], o.x_range[1]), nice_ticks(o.y_range[0], o.y_range[1])};
  svg.text(width / 2, 20, "golden vs " + synthetic.name + " (PCA, 2-SD ellipses per label)", 14, "middle", "#111");
  area.draw_axes(svg, "PC1 (" + num(100 * o.explained[0], 1) + "% of variance)",
                 "PC2 (" + num(100 * o.explained[1], 1) + "% of variance)");
  draw_points(svg, area, golden, o);
  draw_points(svg, area, synthetic, o);
  draw_ellipses(svg, area, golden, order);
  draw_ellipses(svg, area, synthetic, order);

  // Legend: set colours on the first row, label line styles below.
  double y = area.top + area.height + 56;
  svg.rect(area.left, y - 10, 12, 12, golden.colour).text(area.left + 18, y, "golden: " + golden.name, 12);
  svg.rect(area.left + 240, y - 10, 12, 12, synthetic.colour)
      .text(area.left + 258, y, "synthetic: " + synthetic.name, 12);
  for (std::size_t i = 0; i < legend_labels; ++i) {
    if (i % 3 == 0) y += 20;
    const double x = area.left + static_cast<double>(i % 3) * 160;
    svg.line(x, y - 4, x + 30, y - 4, "#333333", 2, kDashes[i % kDashes.size()]);
    svg.text(x + 36, y, order[i], 12);
  }
  if (order.size() > legend_labels) {
    std::string more = "(";
    more += std::to_string(order.size() - legend_labels);
    more += " more labels not listed)";
    svg.text(area.left, y + 18, more, 11);
  }
  return svg.str();
}

}  // namespace mop::report
