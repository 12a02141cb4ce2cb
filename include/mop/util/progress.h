#pragma once
// A progress bar with rate and ETA on stderr, drawn only when stderr is a terminal (so logs and
// CI output stay clean), at most ten times a second.
#include <chrono>
#include <string>

namespace mop::util {

class ProgressBar {
 public:
  ProgressBar(std::string label, size_t total);
  ~ProgressBar();
  void update(size_t done);
  void update(size_t done, size_t total);
  void finish();

 private:
  void draw(bool force);
  std::string label_;
  size_t total_;
  size_t done_ = 0;
  bool enabled_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace mop::util
