#include "model_options.h"

namespace mop::cli {

void add_model_options(CLI::App* cmd, lm::LlamaOptions& o) {
  cmd->add_option("-m,--model", o.model, "GGUF model file, or hf:OWNER/REPO/FILE.gguf (downloaded once to the cache)")
      ->capture_default_str();
  cmd->add_option("--chat-template", o.chat_template,
                  "chat template: the model's own (default), 'plain', a llama.cpp template name (llama3, chatml, ...) or a Jinja file");
  cmd->add_option("--cache-dir", o.cache_dir, "where downloaded models are kept (default $MOP_CACHE_DIR/models or ~/.cache/mop/models)");
  cmd->add_option("--ctx", o.n_ctx, "KV cache cells shared by all sequences in flight (0 = the model's training length)")
      ->capture_default_str();
  cmd->add_option("--batch-tokens", o.n_batch, "tokens per decode call")->capture_default_str();
  cmd->add_option("--parallel", o.n_parallel, "sequences decoded together (1-255)")->capture_default_str();
  cmd->add_option("-t,--threads", o.n_threads, "CPU threads (0 = all cores)")->capture_default_str();
  cmd->add_option("--gpu-layers", o.n_gpu_layers, "layers offloaded to the GPU in CUDA builds (-1 = all)")->capture_default_str();
  cmd->add_flag("--verbose", o.verbose, "show llama.cpp's own log");
}

}  // namespace mop::cli
