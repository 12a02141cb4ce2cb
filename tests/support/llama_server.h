#pragma once
// llama.cpp's own llama-server (built from the pinned source) on a free 127.0.0.1 port, for the
// HTTP backend's tests and benchmark.
#include <memory>
#include <string>
#include <vector>

#include "support/process.h"

namespace mop::test {

struct LlamaServerOptions {
  std::string model;           // GGUF path
  std::string alias = "stories";  // the name GET /v1/models lists
  int slots = 4;               // -np: requests decoded together
  int ctx = 8192;              // -c: KV cells shared by the slots
  int ctx_train = 2048;        // overrides <arch>.context_length: llama-server caps each slot at the
                               // model's training length (128 for stories260K), which mop's prompts
                               // pass; the in-process backend allows it too, with a warning
  std::string arch = "llama";
  int threads = 1;
  bool embeddings = false;     // --embeddings --pooling mean
  std::string api_key;         // --api-key (empty: none)
  std::vector<std::string> extra;
};

std::string llama_server_path();

class LlamaServer {
 public:
  // Starts the server and waits until GET /health answers 200; throws std::runtime_error with
  // the server's log when it does not come up.
  LlamaServer(const LlamaServerOptions& options, const std::string& log_path);
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void kill();  // SIGKILL, as a crash would
  bool running() { return process_ && process_->running(); }

 private:
  bool owns_port(const std::string& log_path);
  int port_ = 0;
  std::unique_ptr<Process> process_;
};

}  // namespace mop::test
