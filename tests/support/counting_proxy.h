#pragma once
// A loopback HTTP proxy in front of one server that counts requests in flight through it, so a
// test can check a client's per-endpoint in-flight limit (and see it exceeded if it were).
#include <atomic>
#include <memory>
#include <string>

namespace mop::test {

class CountingProxy {
 public:
  explicit CountingProxy(const std::string& target_url, int threads = 64);
  ~CountingProxy();
  std::string url() const;
  int max_in_flight() const;
  int requests() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace mop::test
