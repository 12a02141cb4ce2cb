// All restarts of a k-means run, serially or on threads, then faiss's choice among them.
//
// Threads: each restart is independent (its own initialisation, index and buffers), so they can
// run side by side; results are stored by restart number and chosen after all have finished, so
// the choice does not depend on which finished first. Each worker runs faiss's OpenMP parts on
// itself alone (see SingleOpenMpThread). BLAS keeps its own thread count on purpose: with
// OpenBLAS 0.3.21 on this machine's Zen cores, one and two BLAS threads give sgemm products that
// differ in the last bit for a few percent of the entries (any K), which moved faiss's objective
// at d = 700; with the count unchanged the products are those of today's serial path.
#include <atomic>
#include <cmath>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

#include "cluster/kmeans_detail.h"
#include "mop/error.h"

namespace mop::cluster::detail {

int best_restart(const std::vector<Run>& runs) {
  if (runs.size() == 1) return 0;  // faiss compares only with nredo > 1
  float best_obj = HUGE_VALF;
  int best = -1;
  for (size_t r = 0; r < runs.size(); ++r)
    if (runs[r].objective < best_obj) {  // strictly lower: the first of equal objectives stays
      best_obj = runs[r].objective;
      best = static_cast<int>(r);
    }
  if (best < 0) throw Error("k-means: no restart reached a finite objective");
  return best;
}

Runs run_restarts(const float* x, idx_t n, int d, int k, const KMeansOptions& o) {
  std::vector<Run> runs(static_cast<size_t>(o.nredo));
  // Progress across restarts: iterations done, under a lock since workers report side by side.
  std::mutex progress_lock;
  size_t done = 0;
  const size_t total = static_cast<size_t>(o.niter) * static_cast<size_t>(o.nredo);
  const auto advance = [&](size_t iterations) {
    if (!o.progress) return;
    std::lock_guard<std::mutex> lock(progress_lock);
    done += iterations;
    o.progress(done, total);
  };
  const std::function<void()> on_iteration = o.progress ? std::function<void()>([&] { advance(1); }) : nullptr;
  const auto restart = [&](int r) {
    Run run = run_restart(x, n, d, k, o, r, on_iteration);
    advance(static_cast<size_t>(o.niter - run.iterations));  // an early stop skips the rest
    return run;
  };
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int workers = o.parallel ? std::min(o.nredo, cores) : 1;
  if (workers <= 1) {
    for (int r = 0; r < o.nredo; ++r) runs[static_cast<size_t>(r)] = restart(r);
  } else {
    std::atomic<int> next{0};  // restarts taken in order as workers free up (they differ in length)
    std::vector<std::exception_ptr> errors(static_cast<size_t>(workers));
    std::vector<std::thread> pool;
    for (int w = 0; w < workers; ++w)
      pool.emplace_back([&, w] {
        omp_set_num_threads(1);
        try {
          for (int r; (r = next.fetch_add(1)) < o.nredo;) runs[static_cast<size_t>(r)] = restart(r);
        } catch (...) {
          errors[static_cast<size_t>(w)] = std::current_exception();
          next = o.nredo;  // the others stop after their current restart
        }
      });
    for (auto& t : pool) t.join();
    for (const auto& e : errors)
      if (e) std::rethrow_exception(e);
  }

  Runs out;
  out.best_restart = best_restart(runs);
  for (const Run& r : runs) out.iterations.push_back(r.iterations);
  out.best = std::move(runs[static_cast<size_t>(out.best_restart)]);
  return out;
}

}  // namespace mop::cluster::detail
