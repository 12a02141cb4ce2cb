#include "lm/http_pool.h"

#include <httplib.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <exception>
#include <optional>
#include <random>
#include <thread>

#include "mop/error.h"

namespace mop::lm::http {
namespace {

using Clock = std::chrono::steady_clock;

bool retryable(const Response& r) {
  return r.status == 0 || r.status == 408 || r.status == 429 || r.status >= 500;
}

Clock::duration seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

}  // namespace

EndpointUrl parse_endpoint(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos || (url.compare(0, scheme, "http") != 0 && url.compare(0, scheme, "https") != 0))
    throw Error("endpoint '" + url + "': not an http:// or https:// URL");
  const auto slash = url.find('/', scheme + 3);
  EndpointUrl e;
  e.origin = url.substr(0, slash);
  if (e.origin.size() == scheme + 3) throw Error("endpoint '" + url + "': no host");
  std::string path = slash == std::string::npos ? "" : url.substr(slash);
  while (!path.empty() && path.back() == '/') path.pop_back();
  // Users copy base URLs ending in /v1 from server docs; mop adds /v1/... itself.
  if (path.size() >= 3 && path.compare(path.size() - 3, 3, "/v1") == 0) path.resize(path.size() - 3);
  e.prefix = path;
  return e;
}

std::string describe_failure(const std::string& endpoint, const std::string& method, const std::string& path,
                             const Response& r) {
  std::string s = "endpoint " + endpoint + ": " + method + " " + path;
  if (r.status == 0) return s + " failed: " + r.error;
  std::string excerpt = r.body.substr(0, 300);
  for (char& c : excerpt)
    if (c == '\n' || c == '\r') c = ' ';
  return s + " returned " + std::to_string(r.status) + (excerpt.empty() ? "" : ": " + excerpt);
}

std::string read_api_key(const HttpOptions& options) {
  if (options.api_key_env.empty()) return "";
  const char* v = std::getenv(options.api_key_env.c_str());
  return v ? v : "";
}

struct EndpointPool::Slot {
  explicit Slot(const std::string& origin) : client(origin) {}
  httplib::Client client;
};

EndpointPool::EndpointPool(const HttpOptions& options) : options_(options), api_key_(read_api_key(options)) {
  if (options.endpoints.empty()) throw Error("no --endpoint given");
  if (options.max_in_flight < 1) throw Error("--max-in-flight must be at least 1");
  if (options.retries < 0) throw Error("--retries must be at least 0");
  if (!(options.timeout_s > 0)) throw Error("--timeout must be positive");
  for (const auto& u : options.endpoints) endpoints_.push_back(parse_endpoint(u));
  health_.resize(endpoints_.size());
  slots_.resize(endpoints_.size());
  for (size_t e = 0; e < endpoints_.size(); ++e) {
    for (int k = 0; k < options.max_in_flight; ++k) {
      auto slot = std::make_unique<Slot>(endpoints_[e].origin);
      const auto t = std::chrono::duration<double>(options.timeout_s);
      slot->client.set_connection_timeout(std::chrono::duration_cast<std::chrono::microseconds>(std::min(t, std::chrono::duration<double>(10.0))));
      slot->client.set_read_timeout(std::chrono::duration_cast<std::chrono::microseconds>(t));
      slot->client.set_write_timeout(std::chrono::duration_cast<std::chrono::microseconds>(t));
      slot->client.set_keep_alive(true);
      if (!api_key_.empty()) slot->client.set_bearer_token_auth(api_key_);
      slots_[e].push_back(std::move(slot));
    }
  }
}

EndpointPool::~EndpointPool() = default;

Response EndpointPool::send(Slot& slot, const std::string& path, const nlohmann::json* body) {
  Response out;
  httplib::Result r = body ? slot.client.Post(path, body->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                                              "application/json")
                           : slot.client.Get(path);
  if (!r) {
    out.error = httplib::to_string(r.error());
    return out;
  }
  out.status = r->status;
  out.body = std::move(r->body);
  if (r->has_header("Retry-After")) {
    const std::string v = r->get_header_value("Retry-After");
    char* end = nullptr;
    const double s = std::strtod(v.c_str(), &end);
    if (end != v.c_str() && s >= 0) out.retry_after_s = std::min(s, 60.0);
  }
  return out;
}

Response EndpointPool::send_once(size_t e, const std::string& path, const nlohmann::json* body) {
  return send(*slots_[e][0], endpoints_[e].prefix + path, body);
}

void EndpointPool::set_aside(size_t e, const std::string& why) {
  std::lock_guard lock(mu_);
  health_[e].failures = std::max(health_[e].failures, options_.fail_threshold - 1);
  note_failure_locked(e, why);
}

void EndpointPool::note_failure_locked(size_t e, const std::string& what) {
  Health& h = health_[e];
  h.probing = false;
  if (++h.failures < options_.fail_threshold) return;
  if (Clock::now() < h.until) return;  // already set aside (its other requests failing too)
  h.cooldown_s = h.cooldown_s == 0 ? options_.cooldown_s : std::min(2 * h.cooldown_s, 60.0);
  h.until = Clock::now() + seconds(h.cooldown_s);
  std::fprintf(stderr, "mop: endpoint %s set aside for %.1f s after %d failures in a row (last: %s)\n",
               endpoints_[e].text().c_str(), h.cooldown_s, h.failures, what.c_str());
}

// One run(): the queue of calls and the outcome, shared by the worker threads (one per slot) under
// the pool's mutex.
class EndpointPool::Dispatch {
 public:
  Dispatch(EndpointPool& pool, size_t n, const std::function<Call(size_t)>& make,
           const std::function<void(size_t, const nlohmann::json&)>& handle, const Progress& progress);
  // The loop of the thread of slot k of endpoint e: takes a job, makes the call, settles it.
  void work(size_t e, size_t k);
  std::exception_ptr fatal;  // the first failure for good; the workers stop at it

 private:
  struct Job {
    size_t index;
    int attempts = 0;
    Clock::time_point not_before{};
  };
  // What one attempt at a call gave: the answer, or an exception from make, the transport or handle.
  struct Attempt {
    Call call;
    Response response;
    std::exception_ptr failed;
  };
  // Waits (under `lock`) for this endpoint to be usable and a job ready; none at the end. probe:
  // the endpoint is back from a cool-down and this job tries it first.
  std::optional<Job> next_job(size_t e, std::unique_lock<std::mutex>& lock, bool& probe);
  Attempt attempt(size_t e, Slot& slot, size_t index);  // without the lock
  // Parses a 200 answer and passes it to handle; throws mop::Error naming the endpoint and path.
  void take_answer(size_t e, size_t index, const Call& call, const Response& r);
  void settle(size_t e, Job& job, const Attempt& a);  // under the lock
  // A retryable failure: queued again after a backoff, or the end once retries are spent.
  void retry_or_fail(size_t e, Job& job, const Attempt& a);

  EndpointPool& pool_;
  const size_t n_;
  const std::function<Call(size_t)>& make_;
  const std::function<void(size_t, const nlohmann::json&)>& handle_;
  const Progress& progress_;
  std::deque<Job> queue_;
  size_t remaining_, done_ = 0;
  std::condition_variable cv_;
  std::mt19937_64 jitter_rng_;
};

EndpointPool::Dispatch::Dispatch(EndpointPool& pool, size_t n, const std::function<Call(size_t)>& make,
                                 const std::function<void(size_t, const nlohmann::json&)>& handle,
                                 const Progress& progress)
    : pool_(pool), n_(n), make_(make), handle_(handle), progress_(progress), remaining_(n),
      jitter_rng_(std::random_device{}()) {
  for (size_t i = 0; i < n; ++i) queue_.push_back({i});
}

void EndpointPool::Dispatch::work(size_t e, size_t k) {
  Slot& slot = *pool_.slots_[e][k];
  std::unique_lock lock(pool_.mu_);
  for (;;) {
    bool probe = false;
    std::optional<Job> job = next_job(e, lock, probe);
    if (!job) return;
    lock.unlock();
    const Attempt a = attempt(e, slot, job->index);
    lock.lock();
    settle(e, *job, a);
    if (probe) pool_.health_[e].probing = false;
    cv_.notify_all();
  }
}

std::optional<EndpointPool::Dispatch::Job> EndpointPool::Dispatch::next_job(size_t e, std::unique_lock<std::mutex>& lock,
                                                                            bool& probe) {
  for (;;) {
    if (fatal || remaining_ == 0) return std::nullopt;
    const auto now = Clock::now();
    Health& h = pool_.health_[e];
    auto wake = now + std::chrono::seconds(1);
    const bool aside = h.failures >= pool_.options_.fail_threshold;
    if (aside && now < h.until) {
      wake = h.until;
    } else if (aside && h.probing) {
      // another slot of this endpoint is finding out whether it is back
    } else {
      auto ready = queue_.end();
      for (auto it = queue_.begin(); it != queue_.end(); ++it) {
        if (it->not_before <= now) { ready = it; break; }
        wake = std::min(wake, it->not_before);
      }
      if (ready != queue_.end()) {
        const Job job = *ready;
        queue_.erase(ready);
        probe = aside;
        if (probe) h.probing = true;
        return job;
      }
    }
    cv_.wait_until(lock, wake);
  }
}

EndpointPool::Dispatch::Attempt EndpointPool::Dispatch::attempt(size_t e, Slot& slot, size_t index) {
  Attempt a;
  try {
    a.call = make_(index);
    a.response = pool_.send(slot, pool_.endpoints_[e].prefix + a.call.path, &a.call.body);
    if (a.response.status == 200) take_answer(e, index, a.call, a.response);
  } catch (...) {
    a.failed = std::current_exception();
  }
  return a;
}

void EndpointPool::Dispatch::take_answer(size_t e, size_t index, const Call& call, const Response& r) {
  const std::string endpoint = pool_.endpoints_[e].text();
  nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded()) throw Error(describe_failure(endpoint, "POST", call.path, r) + " (not JSON)");
  try {
    handle_(index, j);
  } catch (const Error& ex) {
    throw Error("endpoint " + endpoint + ": POST " + call.path + ": " + ex.what());
  } catch (const nlohmann::json::exception& ex) {  // a field of the wrong type or missing
    throw Error("endpoint " + endpoint + ": POST " + call.path + ": unexpected answer (" + ex.what() +
                "): " + r.body.substr(0, 200));
  }
}

void EndpointPool::Dispatch::settle(size_t e, Job& job, const Attempt& a) {
  if (a.failed) {
    if (!fatal) fatal = a.failed;
  } else if (a.response.status == 200) {
    pool_.health_[e] = Health{};
    --remaining_;
    ++done_;
    if (progress_) progress_(done_, n_);
  } else if (retryable(a.response)) {
    retry_or_fail(e, job, a);
  } else {
    if (!fatal) fatal = std::make_exception_ptr(Error(describe_failure(pool_.endpoints_[e].text(), "POST", a.call.path, a.response)));
  }
}

void EndpointPool::Dispatch::retry_or_fail(size_t e, Job& job, const Attempt& a) {
  const std::string what = describe_failure(pool_.endpoints_[e].text(), "POST", a.call.path, a.response);
  pool_.note_failure_locked(e, what);
  if (++job.attempts > pool_.options_.retries) {
    if (!fatal)
      fatal = std::make_exception_ptr(RequestError(job.index, "failed " + std::to_string(job.attempts) + " times; last: " + what));
    return;
  }
  double delay = a.response.retry_after_s >= 0
                     ? a.response.retry_after_s
                     : std::min(30.0, pool_.options_.backoff_s * std::pow(2.0, job.attempts - 1));
  delay *= std::uniform_real_distribution<double>(0.5, 1.5)(jitter_rng_);
  job.not_before = Clock::now() + seconds(delay);
  queue_.push_back(job);
}

void EndpointPool::run(size_t n, const std::function<Call(size_t)>& make,
                       const std::function<void(size_t, const nlohmann::json&)>& handle, const Progress& progress) {
  if (n == 0) return;
  Dispatch dispatch(*this, n, make, handle, progress);
  std::vector<std::thread> threads;
  for (size_t e = 0; e < endpoints_.size(); ++e)
    for (size_t k = 0; k < slots_[e].size(); ++k) threads.emplace_back([&dispatch, e, k] { dispatch.work(e, k); });
  for (auto& t : threads) t.join();
  if (dispatch.fatal) std::rethrow_exception(dispatch.fatal);
}

}  // namespace mop::lm::http
