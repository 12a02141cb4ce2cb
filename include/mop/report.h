#pragma once
// mop::report — `mop eval`'s report.html: one self-contained page (inline CSS and SVG, no scripts,
// no external resources) with the metrics tables and figures:
//   - a 2-D PCA scatter of the golden set against each synthetic set, with 2-standard-deviation
//     ellipses per label (the MoP paper's Figure 3);
//   - the within-set pairwise-cosine histograms of golden and each synthetic set, overlaid;
//   - per-persona usage bars for sets whose records carry a persona_id.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Dense>

#include "mop/embed.h"
#include "mop/evaluate.h"

namespace mop::report {

// ---------------------------------------------------------------------------------------------
// Geometry.

// The ellipse {x : (x - mean)^T cov^-1 (x - mean) = n_std^2}: semi-axes n_std * sqrt(eigenvalue),
// rx along the major axis, which points angle_deg degrees from +x (in (-90, 90]).
struct Ellipse {
  double cx = 0, cy = 0;
  double rx = 0, ry = 0;
  double angle_deg = 0;
};
Ellipse covariance_ellipse(const Eigen::Vector2d& mean, const Eigen::Matrix2d& cov, double n_std = 2.0);
// Of points (one per row) through their mean and sample covariance (divisor n - 1; needs 2 rows).
Ellipse points_ellipse(const Eigen::MatrixX2d& points, double n_std = 2.0);
// n points on the ellipse, counter-clockwise from the end of the major axis.
std::vector<Eigen::Vector2d> ellipse_outline(const Ellipse& e, int n = 72);

// The first two principal axes of some stacked sets (all rows equally weighted).
struct Pca2 {
  Eigen::RowVectorXd mean;
  Eigen::Matrix<double, Eigen::Dynamic, 2> axes;  // unit columns, by decreasing variance
  std::array<double, 2> explained{};              // fraction of the total variance per axis
};
Pca2 fit_pca2(const std::vector<const embed::Matrix*>& sets);
Eigen::MatrixX2d project(const Pca2& pca, const embed::Matrix& rows);

// ---------------------------------------------------------------------------------------------
// SVG building blocks.

// Text safe inside HTML/SVG elements and attribute values.
std::string escape(std::string_view text);
// A short decimal for coordinates and tick labels ("0.25", "-3", "1e-05").
std::string num(double value, int precision = 2);

// Round tick positions covering [lo, hi] (about `target` of them); lo/hi are widened to ticks.
struct AxisTicks {
  double lo = 0, hi = 1;
  std::vector<double> ticks;
};
AxisTicks nice_ticks(double lo, double hi, int target = 5);

// Appends SVG elements to a string; pixel coordinates, y down.
class Svg {
 public:
  Svg(double width, double height, std::string_view title);
  Svg& line(double x1, double y1, double x2, double y2, std::string_view stroke, double width = 1,
            std::string_view dash = "");
  Svg& rect(double x, double y, double w, double h, std::string_view fill, double opacity = 1);
  Svg& circle(double x, double y, double r, std::string_view fill, double opacity = 1);
  Svg& polyline(const std::vector<Eigen::Vector2d>& points, std::string_view stroke, double width = 1,
                std::string_view dash = "", bool closed = false);
  Svg& polygon(const std::vector<Eigen::Vector2d>& points, std::string_view fill, double opacity);
  // anchor: "start" | "middle" | "end"; rotate in degrees about (x, y).
  Svg& text(double x, double y, std::string_view content, double size = 12, std::string_view anchor = "start",
            std::string_view fill = "#333", double rotate = 0);
  std::string str() const;  // the complete <svg> element

 private:
  double width_, height_;
  std::string body_;
};

// A plot area inside an Svg: maps data to pixels and draws the frame, ticks and axis titles.
struct PlotArea {
  double left, top, width, height;  // pixels
  AxisTicks x, y;
  double px(double v) const { return left + (v - x.lo) / (x.hi - x.lo) * width; }
  double py(double v) const { return top + height - (v - y.lo) / (y.hi - y.lo) * height; }
  void draw_axes(Svg& svg, std::string_view x_title, std::string_view y_title) const;
};

// ---------------------------------------------------------------------------------------------
// Figures. Colours: golden #1f77b4 (blue), synthetic #ff7f0e (orange).
inline constexpr std::string_view kGoldenColour = "#1f77b4";
inline constexpr std::string_view kSyntheticColour = "#ff7f0e";

// One set in a scatter panel: its projected points, their labels (empty: one "all rows" group).
struct ScatterSet {
  std::string name;
  Eigen::MatrixX2d points;
  std::vector<std::string> labels;
  std::string colour;
};
// Golden and one synthetic set on shared axes (x_range/y_range), with a 2-SD ellipse per label
// and set (label by dash pattern, set by colour). At most max_points dots per set are drawn (an
// even, seeded subsample); ellipses use every point.
struct ScatterOptions {
  std::array<double, 2> x_range{-1, 1}, y_range{-1, 1};
  std::array<double, 2> explained{};
  std::size_t max_points = 1500;
  std::uint64_t seed = 0;
};
std::string scatter_svg(const ScatterSet& golden, const ScatterSet& synthetic, const ScatterOptions& options);

// The two smoothed cosine histograms (bins over [-1, 1]) as overlaid step areas.
std::string histogram_svg(const std::vector<double>& golden_hist, const std::vector<double>& synthetic_hist,
                          std::string_view synthetic_name, double kl);

// Rows per persona. Up to 40 personas: bars in the given order, labelled; more: ranked by use.
std::string persona_bars_svg(const std::vector<std::pair<std::string, std::size_t>>& usage, std::string_view set_name);

// "Who is missing": per set and subgrouping, the groups it under-represents most with examples,
// then every group's golden and set shares (as bars), share ratio and k-NN figures.
std::string subgroups_section(const eval::SuiteResult& result);

// ---------------------------------------------------------------------------------------------
// The page.
struct PageOptions {
  std::string title = "mop eval report";
  std::size_t max_points = 1500;  // scatter dots per set
  std::uint64_t seed = 0;         // scatter subsample
};
std::string render_html(const eval::SuiteResult& result, const eval::EvalSet& golden,
                        const std::vector<eval::EvalSet>& synthetic, const PageOptions& options = {});

}  // namespace mop::report
