#pragma once
// Requests spread over several OpenAI-compatible endpoints: a bounded number in flight per
// endpoint, retries with exponential backoff and jitter on connection errors, timeouts, 429 and
// 5xx, and endpoints that keep failing set aside for a cool-down while the others carry on.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mop/lm.h"
#include "mop/lm_http.h"

namespace mop::lm::http {

// "http://host:port/prefix" split for the HTTP client; a trailing "/" or "/v1" is dropped.
struct EndpointUrl {
  std::string origin;  // scheme://host:port
  std::string prefix;  // path before the API paths ("" or e.g. "/proxy")
  std::string text() const { return origin + prefix; }
};
EndpointUrl parse_endpoint(const std::string& url);

struct Response {
  int status = 0;             // 0: no HTTP answer (connection refused, reset, timeout)
  std::string body;
  std::string error;          // transport error, when status is 0
  double retry_after_s = -1;  // Retry-After header, when given
};

// "endpoint URL: POST /v1/completions returned 400: <first 300 bytes of the body>"
std::string describe_failure(const std::string& endpoint, const std::string& method, const std::string& path,
                             const Response& r);

// The API key, read from the environment variable options.api_key_env ("" when unset).
std::string read_api_key(const HttpOptions& options);

struct Call {
  std::string path;     // e.g. "/v1/completions" (the endpoint's prefix is added)
  nlohmann::json body;  // POSTed as JSON
};

class EndpointPool {
 public:
  explicit EndpointPool(const HttpOptions& options);
  ~EndpointPool();
  EndpointPool(const EndpointPool&) = delete;
  EndpointPool& operator=(const EndpointPool&) = delete;

  size_t size() const { return endpoints_.size(); }
  std::string url(size_t e) const { return endpoints_[e].text(); }

  // One request to endpoint e, no retry (start-up probes). body == nullptr: GET.
  Response send_once(size_t e, const std::string& path, const nlohmann::json* body);
  // Marks an endpoint that failed its start-up probe: it is tried again after a cool-down.
  void set_aside(size_t e, const std::string& why);

  // Makes calls 0..n-1 (make(i) builds call i; it may be asked again for a retry) across the
  // endpoints and passes each parsed 200 answer to handle(i, json) (from worker threads, each i
  // once). Throws mop::Error when a call fails for good: a 4xx other than 408/429, a body that is
  // not JSON, handle throwing, or retries exhausted.
  void run(size_t n, const std::function<Call(size_t)>& make,
           const std::function<void(size_t, const nlohmann::json&)>& handle, const Progress& progress = {});

 private:
  struct Slot;       // one keep-alive connection: at most one request in flight
  class Dispatch;    // one run(): its queue of calls and the worker threads' loop (http_pool.cpp)
  struct Health {
    int failures = 0;  // consecutive
    std::chrono::steady_clock::time_point until{};  // set aside until
    double cooldown_s = 0;
    bool probing = false;  // a set-aside endpoint back from its cool-down tries one request first
  };
  Response send(Slot& slot, const std::string& path, const nlohmann::json* body);
  void note_failure_locked(size_t e, const std::string& what);

  HttpOptions options_;
  std::string api_key_;
  std::vector<EndpointUrl> endpoints_;
  std::vector<std::vector<std::unique_ptr<Slot>>> slots_;  // [endpoint][max_in_flight]
  std::mutex mu_;
  std::vector<Health> health_;
};

}  // namespace mop::lm::http
