#include "mop/util/progress.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "mop/error.h"

namespace mop::util {
namespace {

struct Settings {
  ProgressMode mode = ProgressMode::automatic;
  double interval_s = 30;
};

// The environment's choice (MOP_PROGRESS, MOP_PROGRESS_INTERVAL) unless set_progress_mode() made
// one; a bad value is an error at the first progress shown, not silently ignored.
Settings& settings() {
  static Settings s = [] {
    Settings out;
    if (const char* env = std::getenv("MOP_PROGRESS"); env && *env) out.mode = parse_progress_mode(env);
    if (const char* env = std::getenv("MOP_PROGRESS_INTERVAL"); env && *env) {
      char* end = nullptr;
      out.interval_s = std::strtod(env, &end);
      if (*end != '\0' || !(out.interval_s >= 0))
        throw Error(std::string("MOP_PROGRESS_INTERVAL must be a number of seconds, got '") + env + "'");
    }
    return out;
  }();
  return s;
}

std::string clock(double seconds) {
  const long s = seconds > 0 ? static_cast<long>(seconds) : 0;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  return buf;
}

}  // namespace

ProgressMode parse_progress_mode(const std::string& name) {
  if (name == "auto") return ProgressMode::automatic;
  if (name == "bar") return ProgressMode::bar;
  if (name == "lines") return ProgressMode::lines;
  if (name == "none") return ProgressMode::none;
  throw Error("progress mode must be auto, bar, lines or none, got '" + name + "'");
}

void set_progress_mode(ProgressMode mode, double line_interval_s) {
  if (!(line_interval_s >= 0)) throw Error("--progress-interval must be at least 0 seconds");
  settings().mode = mode;
  settings().interval_s = line_interval_s;
}

ProgressMode progress_mode() { return settings().mode; }
double progress_interval() { return settings().interval_s; }

ProgressBar::ProgressBar(std::string label, size_t total)
    : label_(std::move(label)), total_(total), mode_(settings().mode), start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {
  if (mode_ == ProgressMode::automatic) mode_ = ::isatty(STDERR_FILENO) == 1 ? ProgressMode::bar : ProgressMode::lines;
}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(size_t done) {
  done_ = done;
  updated_ = true;
  if (mode_ == ProgressMode::bar) draw_bar(false);
  if (mode_ == ProgressMode::lines && done_ < total_ &&  // the last line is finish()'s
      std::chrono::steady_clock::now() - last_draw_ >= std::chrono::duration<double>(settings().interval_s))
    write_line(false);
}

void ProgressBar::update(size_t done, size_t total) {
  total_ = total;
  update(done);
}

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  if (mode_ == ProgressMode::bar) {
    draw_bar(true);
    std::fputc('\n', stderr);
  }
  if (mode_ == ProgressMode::lines && updated_) write_line(true);  // a step that never started says nothing
}

void ProgressBar::write_line(bool last) {
  const auto now = std::chrono::steady_clock::now();
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? done_ / elapsed : 0;
  const double pct = total_ ? 100.0 * static_cast<double>(done_) / static_cast<double>(total_) : 100.0;
  if (last) {
    std::fprintf(stderr, "mop: %s: %zu/%zu (%.1f%%) in %s, %.2f/s\n", label_.c_str(), done_, total_, pct,
                 clock(elapsed).c_str(), rate);
  } else {
    const double eta = rate > 0 && total_ > done_ ? (total_ - done_) / rate : 0;
    std::fprintf(stderr, "mop: %s: %zu/%zu (%.1f%%), %.2f/s, ETA %s\n", label_.c_str(), done_, total_, pct, rate,
                 clock(eta).c_str());
  }
  std::fflush(stderr);
}

void ProgressBar::draw_bar(bool force) {
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? done_ / elapsed : 0;
  const double frac = total_ ? static_cast<double>(done_) / total_ : 1.0;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(frac * kWidth);
  std::string bar(filled, '#');
  bar.resize(kWidth, ' ');
  const double eta = rate > 0 && total_ > done_ ? (total_ - done_) / rate : 0;
  std::fprintf(stderr, "\r%s [%s] %zu/%zu %.1f/s ETA %s ", label_.c_str(), bar.c_str(), done_, total_, rate,
               clock(eta).c_str());
  std::fflush(stderr);
}

}  // namespace mop::util
