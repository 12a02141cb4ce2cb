#pragma once
// A minimal HTTP/1.1 file server on 127.0.0.1 for tests (HEAD and GET, one request per
// connection), standing in for a model hub.
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace mop::test {

class HttpFileServer {
 public:
  HttpFileServer();  // binds an ephemeral port and starts serving
  ~HttpFileServer();
  void serve(const std::string& url_path, std::string content);  // e.g. "/o/r/resolve/main/m.gguf"
  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
  int gets() const { return gets_; }  // GET requests answered with a body

 private:
  void loop();
  void handle(int fd);
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> gets_{0};
  std::mutex mu_;
  std::map<std::string, std::string> files_;
  std::thread thread_;
};

}  // namespace mop::test
