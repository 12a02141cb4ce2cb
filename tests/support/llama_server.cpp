#include "support/llama_server.h"

#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace mop::test {

std::string llama_server_path() { return MOP_LLAMA_SERVER; }

LlamaServer::LlamaServer(const LlamaServerOptions& o, const std::string& log_path) {
  for (int attempt = 0; attempt < 3; ++attempt) {  // a "free" port can be taken meanwhile
    port_ = free_port();
    std::vector<std::string> argv = {llama_server_path(), "-m", o.model, "--host", "127.0.0.1", "--port",
                                     std::to_string(port_), "-np", std::to_string(o.slots), "-c", std::to_string(o.ctx),
                                     "-t", std::to_string(o.threads), "--alias", o.alias, "--no-webui"};
    if (o.ctx_train > 0)
      argv.insert(argv.end(), {"--override-kv", o.arch + ".context_length=int:" + std::to_string(o.ctx_train)});
    if (o.embeddings) argv.insert(argv.end(), {"--embeddings", "--pooling", "mean"});
    if (!o.api_key.empty()) argv.insert(argv.end(), {"--api-key", o.api_key});
    argv.insert(argv.end(), o.extra.begin(), o.extra.end());
    process_ = std::make_unique<Process>(argv, log_path);
    if (wait_http_ok(port_, "/health", 60) && owns_port(log_path)) return;
    process_->kill(SIGKILL);
  }
  std::ifstream in(log_path);
  std::stringstream log;
  log << in.rdbuf();
  throw std::runtime_error("llama-server did not start; log:\n" + log.str().substr(0, 4000));
}

// /health can answer from another test's server that took the port first (ours then fails to bind
// and exits): the port is ours only once our own log says it listens there.
bool LlamaServer::owns_port(const std::string& log_path) {
  const std::string line = "listening on http://127.0.0.1:" + std::to_string(port_);
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < end) {
    if (!process_->running()) return false;
    std::ifstream in(log_path);
    std::stringstream log;
    log << in.rdbuf();
    if (log.str().find(line) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void LlamaServer::kill() {
  if (process_) process_->kill(SIGKILL);
}

}  // namespace mop::test
