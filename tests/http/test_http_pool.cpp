// The endpoint pool (retries, backoff, set-aside, in-flight limits, API key) against scripted
// loopback HTTP servers that inject the faults real servers show: 429, 5xx, resets, slowness.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "lm/http_pool.h"
#include "mop/error.h"
#include "support/process.h"

using namespace mop;
using lm::http::Call;
using lm::http::EndpointPool;

namespace {

// A loopback server whose answer to each POST is chosen by a script given the request number.
class ScriptedServer {
 public:
  using Script = std::function<void(int n, const httplib::Request&, httplib::Response&)>;
  explicit ScriptedServer(Script script) : script_(std::move(script)) {
    server_.new_task_queue = [] { return new httplib::ThreadPool(32); };
    server_.Post(".*", [this](const httplib::Request& q, httplib::Response& r) {
      const int now = ++in_flight_;
      for (int m = max_.load(); now > m && !max_.compare_exchange_weak(m, now);) {
      }
      script_(posts_++, q, r);
      --in_flight_;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    server_.wait_until_ready();
  }
  ~ScriptedServer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int posts() const { return posts_; }
  int max_in_flight() const { return max_; }

 private:
  Script script_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> posts_{0}, in_flight_{0}, max_{0};
};

void ok(httplib::Response& r) { r.set_content(R"({"ok": true})", "application/json"); }

lm::HttpOptions fast_options(std::vector<std::string> endpoints) {
  lm::HttpOptions o;
  o.endpoints = std::move(endpoints);
  o.backoff_s = 0.01;
  o.cooldown_s = 0.2;
  o.timeout_s = 5;
  o.max_in_flight = 2;
  return o;
}

// Runs n calls; returns how many handle() saw.
int run_calls(EndpointPool& pool, int n) {
  std::atomic<int> handled{0};
  pool.run(n, [](size_t i) { return Call{"/v1/x", {{"i", i}}}; }, [&](size_t, const nlohmann::json& j) {
    if (j.value("ok", false)) ++handled;
  });
  return handled;
}

}  // namespace

TEST(HttpPool, RetriesServerErrorsAndRateLimits) {
  // Each call is answered 503, then 429 (Retry-After: 0), then 200.
  std::mutex mu;
  std::map<int, int> seen;
  ScriptedServer s([&](int, const httplib::Request& q, httplib::Response& r) {
    int attempt;
    {
      std::lock_guard lock(mu);
      attempt = seen[nlohmann::json::parse(q.body)["i"].get<int>()]++;
    }
    if (attempt == 0) r.status = 503;
    else if (attempt == 1) {
      r.status = 429;
      r.set_header("Retry-After", "0");
    } else ok(r);
  });
  auto o = fast_options({s.url()});
  o.fail_threshold = 1000;  // this test is about retries, not setting the endpoint aside
  EndpointPool pool(o);
  EXPECT_EQ(run_calls(pool, 20), 20);
  EXPECT_EQ(s.posts(), 60);
}

TEST(HttpPool, ClientErrorFailsAtOnceNamingEndpointStatusAndBody) {
  ScriptedServer s([](int, const httplib::Request&, httplib::Response& r) {
    r.status = 400;
    r.set_content(R"({"error": "max_tokens must be positive"})", "application/json");
  });
  EndpointPool pool(fast_options({s.url()}));
  try {
    run_calls(pool, 5);
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(s.url()), std::string::npos) << m;
    EXPECT_NE(m.find("400"), std::string::npos) << m;
    EXPECT_NE(m.find("max_tokens must be positive"), std::string::npos) << m;
  }
  EXPECT_LE(s.posts(), 2 * 1 + 1);  // no retries of a 400 (at most the calls already in flight)
}

TEST(HttpPool, GivesUpAfterTheRetryBudget) {
  ScriptedServer s([](int, const httplib::Request&, httplib::Response& r) { r.status = 500; });
  auto o = fast_options({s.url()});
  o.retries = 3;
  o.max_in_flight = 1;
  o.fail_threshold = 100;  // keep the endpoint in use: this checks the per-request budget
  EndpointPool pool(o);
  try {
    run_calls(pool, 1);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("failed 4 times"), std::string::npos) << e.what();
  }
  EXPECT_EQ(s.posts(), 4);
}

TEST(HttpPool, DeadEndpointIsSetAsideAndTheOthersCarryOn) {
  ScriptedServer live([](int, const httplib::Request&, httplib::Response& r) { ok(r); });
  const test::DeadPort nothing_listens;
  const std::string dead = "http://127.0.0.1:" + std::to_string(nothing_listens.port());
  auto o = fast_options({dead, live.url()});
  o.cooldown_s = 30;  // long enough that the dead one is not retried during the run
  EndpointPool pool(o);
  testing::internal::CaptureStderr();
  EXPECT_EQ(run_calls(pool, 40), 40);
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(live.posts(), 40);
  EXPECT_NE(log.find("endpoint " + dead + " set aside"), std::string::npos) << log;
}

TEST(HttpPool, TimedOutRequestIsRetried) {
  ScriptedServer s([](int n, const httplib::Request&, httplib::Response& r) {
    if (n == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    ok(r);
  });
  auto o = fast_options({s.url()});
  o.timeout_s = 0.3;
  o.max_in_flight = 1;
  EndpointPool pool(o);
  EXPECT_EQ(run_calls(pool, 3), 3);
  EXPECT_EQ(s.posts(), 4);
}

TEST(HttpPool, InFlightLimitHoldsPerEndpoint) {
  auto slow = [](int, const httplib::Request&, httplib::Response& r) {
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
    ok(r);
  };
  ScriptedServer a(slow), b(slow);
  auto o = fast_options({a.url(), b.url()});
  o.max_in_flight = 3;
  EndpointPool pool(o);
  EXPECT_EQ(run_calls(pool, 60), 60);
  EXPECT_EQ(a.max_in_flight(), 3);  // reached, never passed
  EXPECT_EQ(b.max_in_flight(), 3);
  EXPECT_GT(a.posts(), 10);
  EXPECT_GT(b.posts(), 10);
}

TEST(HttpPool, SendsApiKeyFromTheEnvironmentAndNeverReportsIt) {
  const std::string key = "sk-test-3f9a1c";
  ScriptedServer s([key](int, const httplib::Request& q, httplib::Response& r) {
    if (q.get_header_value("Authorization") != "Bearer " + key) {
      r.status = 401;
      r.set_content(R"({"error": "bad key"})", "application/json");
    } else {
      r.status = 500;  // authorised, then fails: the error text must still not hold the key
      r.set_content(R"({"error": "boom"})", "application/json");
    }
  });
  setenv("MOP_TEST_POOL_KEY", key.c_str(), 1);
  auto o = fast_options({s.url()});
  o.api_key_env = "MOP_TEST_POOL_KEY";
  o.retries = 1;
  o.max_in_flight = 1;
  EndpointPool pool(o);
  testing::internal::CaptureStderr();
  try {
    run_calls(pool, 1);
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("500"), std::string::npos) << m;  // authorised: the key was sent
    EXPECT_EQ(m.find(key), std::string::npos) << m;
  }
  EXPECT_EQ(testing::internal::GetCapturedStderr().find(key), std::string::npos);
  unsetenv("MOP_TEST_POOL_KEY");
}

TEST(HttpPool, EndpointUrlsAreChecked) {
  EXPECT_THROW(lm::http::parse_endpoint("127.0.0.1:8000"), Error);
  EXPECT_THROW(lm::http::parse_endpoint("ftp://x"), Error);
  EXPECT_EQ(lm::http::parse_endpoint("http://h:1/v1/").prefix, "");
  EXPECT_EQ(lm::http::parse_endpoint("http://h:1/proxy/v1").prefix, "/proxy");
  EXPECT_EQ(lm::http::parse_endpoint("https://h").origin, "https://h");
}

TEST(HttpPool, SetAsideEndpointIsTriedAgainAfterItsCoolDown) {
  // The only endpoint fails three times in a row (set aside), then recovers: after the cool-down
  // a probe finds it back and the run finishes on it.
  ScriptedServer s([](int n, const httplib::Request&, httplib::Response& r) {
    if (n < 3) r.status = 502;
    else ok(r);
  });
  auto o = fast_options({s.url()});
  o.max_in_flight = 1;
  o.cooldown_s = 0.3;
  EndpointPool pool(o);
  testing::internal::CaptureStderr();
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(run_calls(pool, 10), 10);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(300));  // it waited out the cool-down
  EXPECT_NE(testing::internal::GetCapturedStderr().find("set aside for"), std::string::npos);
  EXPECT_EQ(s.posts(), 13);
}

// A 200 answer of the wrong shape is one clear error naming the endpoint, never an internal error.
TEST(HttpPool, AnswerOfTheWrongShapeIsAClearError) {
  ScriptedServer server([](int, const httplib::Request&, httplib::Response& r) {
    r.set_content(R"({"data": [{"embedding": ["x"]}]})", "application/json");
  });
  EndpointPool pool(fast_options({server.url()}));
  try {
    pool.run(1, [](size_t) { return Call{"/v1/embeddings", {}}; },
             [](size_t, const nlohmann::json& j) { (void)j.at("data").at(0).at("embedding").get<std::vector<float>>(); });
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("endpoint " + server.url()), std::string::npos) << what;
    EXPECT_NE(what.find("unexpected answer"), std::string::npos) << what;
    EXPECT_NE(what.find(R"({"data")"), std::string::npos) << what;
  }
  EXPECT_EQ(server.posts(), 1) << "not retried: the server answered";
}
