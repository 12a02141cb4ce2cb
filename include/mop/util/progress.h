#pragma once
// Progress of a long step on stderr, in one of two forms:
//   bar:   a bar redrawn in place with rate and ETA, at most ten times a second (terminals);
//   lines: a plain line "mop: LABEL: done/total (pct), rate/s, ETA h:mm:ss" every interval and a
//          last one when the step ends, for logs, schedulers and CI (as tqdm and llama.cpp do).
// The mode is process-wide: auto (bar when stderr is a terminal, else lines; the default), bar,
// lines or none, from mop's --progress flag or the MOP_PROGRESS environment variable; the line
// interval from --progress-interval or MOP_PROGRESS_INTERVAL (seconds).
#include <chrono>
#include <string>

namespace mop::util {

enum class ProgressMode { automatic, bar, lines, none };
// "auto" | "bar" | "lines" | "none"; throws mop::Error naming the choices.
ProgressMode parse_progress_mode(const std::string& name);
// Sets the mode and the seconds between progress lines (default 30) for every later ProgressBar.
void set_progress_mode(ProgressMode mode, double line_interval_s);
ProgressMode progress_mode();
double progress_interval();

class ProgressBar {
 public:
  ProgressBar(std::string label, size_t total);
  ~ProgressBar();
  void update(size_t done);
  void update(size_t done, size_t total);
  void finish();

 private:
  void draw_bar(bool force);
  void write_line(bool last);
  std::string label_;
  size_t total_;
  size_t done_ = 0;
  ProgressMode mode_;  // bar, lines or none, resolved at construction
  bool updated_ = false;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace mop::util
