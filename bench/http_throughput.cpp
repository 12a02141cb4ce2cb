// bench/http_throughput: generated tokens/s through the HTTP backend with 1 and 2 local
// llama-server instances (built from the pinned llama.cpp), against the in-process llama.cpp
// backend on the same model. Each instance (in process, or each server) gets --threads threads
// and --parallel sequences in flight: two servers are scale-out, twice the compute of one.
// Usage: http_throughput [--model PATH] [--requests N] [--tokens N] [--threads N] [--parallel N]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "mop/lm_open.h"
#include "support/llama_server.h"
#include "support/paths.h"

using namespace mop;
using Clock = std::chrono::steady_clock;

namespace {

struct Figure {
  double seconds = 0;
  long tokens = 0;
  double tps() const { return tokens / seconds; }
};

Figure run(lm::LanguageModel& m, int n, int max_tokens) {
  std::vector<lm::GenerateRequest> requests(n);
  for (int i = 0; i < n; ++i) {
    requests[i].prompt = "Once upon a time, " + std::to_string(i);
    requests[i].sampling.max_tokens = max_tokens;
    requests[i].sampling.ignore_eos = true;
    requests[i].sampling.seed = lm::stream_seed(1, i);
  }
  const auto t0 = Clock::now();
  const auto out = m.generate(requests);
  Figure f;
  f.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  for (const auto& g : out) f.tokens += g.n_tokens;
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model = test::stories_model();
  // One thread each by default: on a shared 2-core machine OpenMP's spinning threads stall when
  // another process takes a core, which would measure the machine's load, not the backends.
  int n = 256, tokens = 32, threads = 1, parallel = 16;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--model") model = argv[i + 1];
    else if (a == "--requests") n = std::atoi(argv[i + 1]);
    else if (a == "--tokens") tokens = std::atoi(argv[i + 1]);
    else if (a == "--threads") threads = std::atoi(argv[i + 1]);
    else if (a == "--parallel") parallel = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 1;
    }
  }
  std::printf("model %s; %d requests x %d tokens; per instance %d thread(s) and %d sequences in flight\n", model.c_str(), n,
              tokens, threads, parallel);
  test::TempDir dir;

  lm::LlamaOptions lo;
  lo.model = model;
  lo.n_threads = threads;
  lo.n_parallel = parallel;
  lo.n_ctx = parallel * (tokens + 32);
  lo.chat_template = "plain";
  Figure local;
  {
    auto m = lm::load_llama(lo);
    run(*m, parallel, 4);  // warm-up
    local = run(*m, n, tokens);
  }
  std::printf("in process            %8.0f tokens/s  (%ld tokens in %.2f s)\n", local.tps(), local.tokens, local.seconds);

  auto http = [&](int servers) {
    std::vector<std::unique_ptr<test::LlamaServer>> s;
    lm::ModelOptions mo;
    for (int k = 0; k < servers; ++k) {
      test::LlamaServerOptions so;
      so.model = model;
      so.threads = threads;
      so.slots = parallel;
      so.ctx = so.slots * (tokens + 32);
      so.ctx_train = tokens + 32;
      s.push_back(std::make_unique<test::LlamaServer>(so, dir.file("server" + std::to_string(k) + ".log")));
      mo.http.endpoints.push_back(s.back()->url());
    }
    mo.http.max_in_flight = parallel;
    auto m = lm::open_model(mo);
    run(*m, parallel, 4);
    return run(*m, n, tokens);
  };
  const Figure one = http(1);
  std::printf("1 llama-server        %8.0f tokens/s  (%ld tokens in %.2f s)  ratio to in process %.2f\n", one.tps(), one.tokens,
              one.seconds, one.tps() / local.tps());
  const Figure two = http(2);
  std::printf("2 llama-servers       %8.0f tokens/s  (%ld tokens in %.2f s)  ratio to in process %.2f, to 1 server %.2f\n",
              two.tps(), two.tokens, two.seconds, two.tps() / local.tps(), two.tps() / one.tps());
  return 0;
}
