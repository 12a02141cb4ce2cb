#include "model_options.h"

namespace mop::cli {

void add_model_options(CLI::App* cmd, lm::ModelOptions& m) {
  lm::LlamaOptions& o = m.llama;
  lm::HttpOptions& h = m.http;
  auto* model = cmd->add_option("-m,--model", o.model, "GGUF model file, or hf:OWNER/REPO/FILE.gguf (downloaded once to the cache)")
                    ->capture_default_str();
  cmd->add_option("--chat-template", o.chat_template,
                  "chat template: the model's own (default), 'plain', a llama.cpp template name (llama3, chatml, ...) or a Jinja file");
  cmd->add_option("--cache-dir", o.cache_dir, "where downloaded models are kept (default $MOP_CACHE_DIR/models or ~/.cache/mop/models)");
  cmd->add_option_function<std::string>(
         "--ctx", [&o](const std::string& v) { o.n_ctx = lm::parse_ctx(v); },
         "KV cache cells for all sequences in flight (the streams of --kv-layout streams share the same budget): auto (sized to each step's longest prompts and --parallel, "
         "within --kv-memory; printed when it grows), 0 (the model's training length) or a number")
      ->default_str("auto");
  cmd->add_option_function<std::string>(
         "--kv-memory", [&o](const std::string& v) { o.kv_memory = lm::parse_memory_size(v); },
         "most memory an automatic KV cache may take, e.g. 8G (auto: a quarter of this machine's memory, or half the GPU's free memory)")
      ->default_str("auto");
  cmd->add_option("--batch-tokens", o.n_batch, "tokens per decode call")->capture_default_str();
  cmd->add_option("--parallel", o.n_parallel, "sequences decoded together (1-254)")->capture_default_str();
  cmd->add_option("-t,--threads", o.n_threads, "CPU threads (0 = all cores)")->capture_default_str();
  cmd->add_option("--gpu-layers", o.n_gpu_layers, "layers offloaded to the GPU in CUDA builds (-1 = all)")->capture_default_str();
  cmd->add_option_function<std::string>(
         "--kernels", [&o](const std::string& k) { o.invariant_kernels = k == "invariant"; },
         "CPU kernels: invariant (a sequence's results do not depend on its batch) or fast (ggml's own choice; docs/numerics.md)")
      ->check(CLI::IsMember({"invariant", "fast"}))
      ->default_str("invariant");
  cmd->add_option_function<std::string>(
         "--kv-layout", [&o](const std::string& k) { o.kv_streams = k == "streams"; },
         "the KV cache of generation and scoring: streams (one per sequence, within --ctx or --kv-memory: a token's cost depends "
         "on its own sequence only) or shared (one cache for all sequences in flight); the same text and scores (docs/benchmarks.md)")
      ->check(CLI::IsMember({"shared", "streams"}))
      ->default_str("streams");
  cmd->add_flag("--verbose", o.verbose, "show llama.cpp's own log");

  // Serving engines instead of an in-process model (docs/serving.md).
  cmd->add_option("--endpoint", h.endpoints,
                  "OpenAI-compatible server base URL instead of -m (repeatable: requests are spread over all)")
      ->excludes(model)
      ->allow_extra_args(false)
      ->group("Serving endpoints");
  cmd->add_option("--api", h.api, "completions (prompts rendered by mop with --chat-template, default plain) or chat (server's template)")
      ->check(CLI::IsMember({"completions", "chat"}))
      ->capture_default_str()
      ->group("Serving endpoints");
  cmd->add_option("--served-model", h.model, "model name sent to the servers (default: the first of GET /v1/models)")
      ->group("Serving endpoints");
  cmd->add_option("--api-key-env", h.api_key_env, "environment variable holding the API key (sent as a Bearer token)")
      ->capture_default_str()
      ->group("Serving endpoints");
  cmd->add_option("--max-in-flight", h.max_in_flight, "requests in flight per endpoint")->capture_default_str()->group("Serving endpoints");
  cmd->add_option("--timeout", h.timeout_s, "seconds per request")->capture_default_str()->group("Serving endpoints");
  cmd->add_option("--retries", h.retries, "further attempts per request on connection errors, timeouts, 429 and 5xx")
      ->capture_default_str()
      ->group("Serving endpoints");
  cmd->add_option("--score-top-k", h.score_top_k, "prompt_logprobs per position when scoring over HTTP (tau applied here)")
      ->capture_default_str()
      ->group("Serving endpoints");
}

}  // namespace mop::cli
