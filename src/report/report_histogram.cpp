// The overlaid pairwise-cosine histograms of golden and one synthetic set (KL-cosine's inputs).
#include <algorithm>

#include "mop/evaluate.h"
#include "mop/report.h"

namespace mop::report {

namespace {

// A histogram as a closed step outline along the x axis, in pixels.
std::vector<Eigen::Vector2d> steps(const std::vector<double>& hist, const PlotArea& area, std::size_t first,
                                   std::size_t last) {
  const double bin = 2.0 / static_cast<double>(hist.size());
  std::vector<Eigen::Vector2d> out;
  out.emplace_back(area.px(-1 + bin * static_cast<double>(first)), area.py(0));
  for (std::size_t b = first; b <= last; ++b) {
    const double left = -1 + bin * static_cast<double>(b);
    out.emplace_back(area.px(left), area.py(hist[b]));
    out.emplace_back(area.px(left + bin), area.py(hist[b]));
  }
  out.emplace_back(area.px(-1 + bin * static_cast<double>(last + 1)), area.py(0));
  return out;
}

}  // namespace

std::string histogram_svg(const std::vector<double>& golden_hist, const std::vector<double>& synthetic_hist,
                          std::string_view synthetic_name, double kl) {
  const double width = 560, height = 440;
  Svg svg(width, height, "pairwise cosine similarity, golden and " + std::string(synthetic_name));
  const std::size_t bins = std::min(golden_hist.size(), synthetic_hist.size());
  if (bins == 0) return svg.text(20, 40, "no histogram", 12).str();

  // Zoom to the bins holding mass (smoothing puts ~1e-8 everywhere), with two bins to spare.
  std::size_t first = bins, last = 0;
  double peak = 0;
  for (std::size_t b = 0; b < bins; ++b) {
    const double h = std::max(golden_hist[b], synthetic_hist[b]);
    peak = std::max(peak, h);
    if (h > 1e-4) first = std::min(first, b), last = std::max(last, b);
  }
  if (first > last) first = 0, last = bins - 1;
  first = first >= 2 ? first - 2 : 0;
  last = std::min(bins - 1, last + 2);
  const double bin = 2.0 / static_cast<double>(bins);
  PlotArea area{70, 36, 460, 320, nice_ticks(-1 + bin * static_cast<double>(first), -1 + bin * static_cast<double>(last + 1)),
                nice_ticks(0, peak * 1.05)};
  svg.text(width / 2, 20, "pairwise cosine similarity: golden vs " + std::string(synthetic_name), 14, "middle", "#111");
  area.draw_axes(svg, "cosine similarity of a pair (" + std::to_string(bins) + " bins over [-1, 1])",
                 "share of pairs");
  const auto g = steps(golden_hist, area, first, last), s = steps(synthetic_hist, area, first, last);
  svg.polygon(g, kGoldenColour, 0.3).polyline(g, kGoldenColour, 1.6, "", false);
  svg.polygon(s, kSyntheticColour, 0.3).polyline(s, kSyntheticColour, 1.6, "", false);

  const double y = area.top + area.height + 58;
  svg.rect(area.left, y - 10, 12, 12, kGoldenColour).text(area.left + 18, y, "golden", 12);
  svg.rect(area.left + 100, y - 10, 12, 12, kSyntheticColour).text(area.left + 118, y, std::string(synthetic_name), 12);
  svg.text(area.left + area.width, y, "KL(S ‖ G) = " + eval::format_value(kl) + " nats", 12, "end");
  return svg.str();
}

}  // namespace mop::report
