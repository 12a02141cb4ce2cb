#include "support/counting_proxy.h"

#include <httplib.h>

#include <thread>

namespace mop::test {

struct CountingProxy::Impl {
  std::string target;
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::atomic<int> in_flight{0}, max{0}, total{0};

  void forward(const httplib::Request& req, httplib::Response& res) {
    const int now = ++in_flight;
    for (int m = max.load(); now > m && !max.compare_exchange_weak(m, now);) {
    }
    ++total;
    httplib::Client c(target);
    c.set_read_timeout(300);
    httplib::Headers h;
    if (req.has_header("Authorization")) h.emplace("Authorization", req.get_header_value("Authorization"));
    auto r = req.method == "GET" ? c.Get(req.path, h)
                                 : c.Post(req.path, h, req.body, req.get_header_value("Content-Type"));
    if (r) {
      res.status = r->status;
      res.set_content(r->body, r->get_header_value("Content-Type"));
    } else {
      res.status = 502;
    }
    --in_flight;
  }
};

CountingProxy::CountingProxy(const std::string& target_url, int threads) : impl_(std::make_unique<Impl>()) {
  Impl* s = impl_.get();
  s->target = target_url;
  s->server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  s->server.Get(".*", [s](const httplib::Request& q, httplib::Response& r) { s->forward(q, r); });
  s->server.Post(".*", [s](const httplib::Request& q, httplib::Response& r) { s->forward(q, r); });
  s->port = s->server.bind_to_any_port("127.0.0.1");
  s->thread = std::thread([s] { s->server.listen_after_bind(); });
  s->server.wait_until_ready();
}

CountingProxy::~CountingProxy() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::string CountingProxy::url() const { return "http://127.0.0.1:" + std::to_string(impl_->port); }
int CountingProxy::max_in_flight() const { return impl_->max; }
int CountingProxy::requests() const { return impl_->total; }

}  // namespace mop::test
