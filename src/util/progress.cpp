#include "mop/util/progress.h"

#include <unistd.h>

#include <cstdio>

namespace mop::util {

ProgressBar::ProgressBar(std::string label, size_t total)
    : label_(std::move(label)), total_(total), enabled_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(size_t done) {
  done_ = done;
  draw(false);
}

void ProgressBar::update(size_t done, size_t total) {
  total_ = total;
  update(done);
}

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  if (enabled_) {
    draw(true);
    std::fputc('\n', stderr);
  }
}

void ProgressBar::draw(bool force) {
  if (!enabled_) return;
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
  const int eta_s = static_cast<int>(eta);
  std::fprintf(stderr, "\r%s [%s] %zu/%zu %.1f/s ETA %d:%02d:%02d ", label_.c_str(), bar.c_str(), done_, total_, rate,
               eta_s / 3600, eta_s / 60 % 60, eta_s % 60);
  std::fflush(stderr);
}

}  // namespace mop::util
