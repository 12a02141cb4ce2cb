// Per-persona usage of a generated set: how many rows each persona produced.
#include <algorithm>
#include <cmath>

#include "mop/report.h"

namespace mop::report {

namespace {

constexpr std::size_t kMaxNamedBars = 40;

// "N personas; effective number exp(H); most used" on the rows that carry a persona id.
std::string summary(const std::vector<std::pair<std::string, std::size_t>>& usage) {
  double total = 0;
  std::size_t personas = 0;
  const std::pair<std::string, std::size_t>* top = nullptr;
  for (const auto& u : usage) {
    if (u.first == "(none)") continue;
    total += static_cast<double>(u.second);
    ++personas;
    if (!top || u.second > top->second) top = &u;
  }
  if (!top || total == 0) return "no row names a persona";
  double entropy = 0;
  for (const auto& u : usage) {
    if (u.first == "(none)" || u.second == 0) continue;
    const double p = static_cast<double>(u.second) / total;
    entropy -= p * std::log(p);
  }
  return std::to_string(personas) + " personas; effective number exp(H) = " + num(std::exp(entropy), 1) +
         "; most used: " + top->first + " (" + num(100.0 * static_cast<double>(top->second) / total, 1) + "% of rows)";
}

}  // namespace

std::string persona_bars_svg(const std::vector<std::pair<std::string, std::size_t>>& usage, std::string_view set_name) {
  const bool named = usage.size() <= kMaxNamedBars;
  auto bars = usage;
  if (!named)
    std::stable_sort(bars.begin(), bars.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::size_t most = 1;
  for (const auto& b : bars) most = std::max(most, b.second);

  const double width = 560, height = named ? 440 : 400;
  Svg svg(width, height, "persona usage in " + std::string(set_name));
  PlotArea area{64, 36, 470, 260, nice_ticks(0, std::max<double>(1, static_cast<double>(bars.size()))),
                nice_ticks(0, static_cast<double>(most))};
  area.x.ticks.clear();  // bars are categories, not a scale
  area.x.lo = 0;
  area.x.hi = std::max<double>(1, static_cast<double>(bars.size()));
  svg.text(width / 2, 20, "persona usage: " + std::string(set_name), 14, "middle", "#111");
  area.draw_axes(svg, "", "rows generated");
  const double slot = area.width / area.x.hi;
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const double x = area.px(static_cast<double>(i)), top = area.py(static_cast<double>(bars[i].second));
    svg.rect(x + slot * 0.12, top, std::max(1.0, slot * 0.76), area.py(0) - top,
             bars[i].first == "(none)" ? "#bbbbbb" : std::string(kSyntheticColour));
    if (named) {
      const std::string& id = bars[i].first;
      svg.text(x + slot / 2, area.py(0) + 12, id.size() > 14 ? id.substr(0, 13) + "…" : id, 10, "end", "#444", -50);
    }
  }
  const double below = area.top + area.height + (named ? 90 : 24);
  svg.text(area.left + area.width / 2, below, named ? "persona id" : "personas ranked by use (" + std::to_string(bars.size()) + ")",
           12, "middle");
  svg.text(area.left, below + 22, summary(usage), 12);
  return svg.str();
}

}  // namespace mop::report
