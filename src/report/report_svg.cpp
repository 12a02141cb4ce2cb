// SVG building blocks: escaping, number text, tick placement, elements and plot axes.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "mop/report.h"

namespace mop::report {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string num(double value, int precision) {
  if (!std::isfinite(value)) return "0";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", std::max(0, precision), value);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    s.erase(s.find_last_not_of('0') + 1);
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

AxisTicks nice_ticks(double lo, double hi, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (hi < lo) std::swap(lo, hi);
  if (hi - lo < 1e-12) {  // a single value: give it some room
    const double pad = std::max(std::fabs(lo) * 0.1, 0.5);
    lo -= pad;
    hi += pad;
  }
  const double raw = (hi - lo) / std::max(1, target);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    step = m * magnitude;
    if (step >= raw) break;
  }
  AxisTicks t;
  t.lo = std::floor(lo / step + 1e-9) * step;
  t.hi = std::ceil(hi / step - 1e-9) * step;
  const long n = std::lround((t.hi - t.lo) / step);
  for (long i = 0; i <= n; ++i) t.ticks.push_back(t.lo + static_cast<double>(i) * step);
  return t;
}

namespace {

// Enough decimals to tell neighbouring ticks apart.
int tick_decimals(const AxisTicks& t) {
  if (t.ticks.size() < 2) return 2;
  const double step = t.ticks[1] - t.ticks[0];
  return std::clamp(static_cast<int>(std::ceil(-std::log10(step) - 1e-9)) + 1, 0, 6);
}

std::string attr(std::string_view name, std::string_view value) {
  std::string a = " ";
  a += name;
  a += "=\"";
  a += escape(value);
  a += '"';
  return a;
}

std::string points_attr(const std::vector<Eigen::Vector2d>& points) {
  std::string s;
  for (const auto& p : points) {
    if (!s.empty()) s += ' ';
    s += num(p.x(), 1);
    s += ',';
    s += num(p.y(), 1);
  }
  return s;
}

}  // namespace

Svg::Svg(double width, double height, std::string_view title) : width_(width), height_(height) {
  body_ = "<title>" + escape(title) + "</title>";
}

Svg& Svg::line(double x1, double y1, double x2, double y2, std::string_view stroke, double width,
               std::string_view dash) {
  body_ += "<line x1=\"" + num(x1, 1) + "\" y1=\"" + num(y1, 1) + "\" x2=\"" + num(x2, 1) + "\" y2=\"" +
           num(y2, 1) + "\"" + attr("stroke", stroke) + " stroke-width=\"" + num(width, 2) + "\"" +
           (dash.empty() ? "" : attr("stroke-dasharray", dash)) + "/>";
  return *this;
}

Svg& Svg::rect(double x, double y, double w, double h, std::string_view fill, double opacity) {
  body_ += "<rect x=\"" + num(x, 1) + "\" y=\"" + num(y, 1) + "\" width=\"" + num(w, 1) + "\" height=\"" +
           num(h, 1) + "\"" + attr("fill", fill) + (opacity < 1 ? " fill-opacity=\"" + num(opacity, 2) + "\"" : "") +
           "/>";
  return *this;
}

Svg& Svg::circle(double x, double y, double r, std::string_view fill, double opacity) {
  body_ += "<circle cx=\"" + num(x, 1) + "\" cy=\"" + num(y, 1) + "\" r=\"" + num(r, 1) + "\"" + attr("fill", fill) +
           (opacity < 1 ? " fill-opacity=\"" + num(opacity, 2) + "\"" : "") + "/>";
  return *this;
}

Svg& Svg::polyline(const std::vector<Eigen::Vector2d>& points, std::string_view stroke, double width,
                   std::string_view dash, bool closed) {
  body_ += std::string(closed ? "<polygon" : "<polyline") + " points=\"" + points_attr(points) + "\" fill=\"none\"" +
           attr("stroke", stroke) + " stroke-width=\"" + num(width, 2) + "\" stroke-linejoin=\"round\"" +
           (dash.empty() ? "" : attr("stroke-dasharray", dash)) + "/>";
  return *this;
}

Svg& Svg::polygon(const std::vector<Eigen::Vector2d>& points, std::string_view fill, double opacity) {
  body_ += "<polygon points=\"" + points_attr(points) + "\"" + attr("fill", fill) + " fill-opacity=\"" +
           num(opacity, 2) + "\" stroke=\"none\"/>";
  return *this;
}

Svg& Svg::text(double x, double y, std::string_view content, double size, std::string_view anchor,
               std::string_view fill, double rotate) {
  body_ += "<text x=\"" + num(x, 1) + "\" y=\"" + num(y, 1) + "\" font-size=\"" + num(size, 1) + "\"" +
           attr("text-anchor", anchor) + attr("fill", fill) +
           (rotate != 0 ? " transform=\"rotate(" + num(rotate, 1) + " " + num(x, 1) + " " + num(y, 1) + ")\"" : "") +
           ">" + escape(content) + "</text>";
  return *this;
}

std::string Svg::str() const {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width_, 0) + "\" height=\"" + num(height_, 0) +
         "\" viewBox=\"0 0 " + num(width_, 0) + " " + num(height_, 0) +
         "\" font-family=\"Helvetica, Arial, sans-serif\" role=\"img\">" + body_ + "</svg>";
}

void PlotArea::draw_axes(Svg& svg, std::string_view x_title, std::string_view y_title) const {
  const int xd = tick_decimals(x), yd = tick_decimals(y);
  for (double t : x.ticks) {
    svg.line(px(t), top, px(t), top + height, "#eeeeee");
    svg.line(px(t), top + height, px(t), top + height + 4, "#666666");
    svg.text(px(t), top + height + 16, num(t, xd), 11, "middle", "#444");
  }
  for (double t : y.ticks) {
    svg.line(left, py(t), left + width, py(t), "#eeeeee");
    svg.line(left - 4, py(t), left, py(t), "#666666");
    svg.text(left - 7, py(t) + 4, num(t, yd), 11, "end", "#444");
  }
  svg.polyline({{left, top}, {left + width, top}, {left + width, top + height}, {left, top + height}}, "#999999", 1, "",
               true);
  svg.text(left + width / 2, top + height + 34, x_title, 12, "middle");
  svg.text(left - 44, top + height / 2, y_title, 12, "middle", "#333", -90);
}

}  // namespace mop::report
