#include "support/llama_server.h"

#include <signal.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

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
    if (wait_http_ok(port_, "/health", 60)) return;
    process_->kill(SIGKILL);
  }
  std::ifstream in(log_path);
  std::stringstream log;
  log << in.rdbuf();
  throw std::runtime_error("llama-server did not start; log:\n" + log.str().substr(0, 4000));
}

void LlamaServer::kill() {
  if (process_) process_->kill(SIGKILL);
}

}  // namespace mop::test
