#include "mop/lm_open.h"

namespace mop::lm {

std::unique_ptr<LanguageModel> open_model(const ModelOptions& options, const ModelNeeds& needs) {
  if (!options.http.endpoints.empty()) {
    HttpOptions h = options.http;
    // One --chat-template flag: with --api completions it shapes the prompts mop sends (with
    // --api chat, giving one is an error: the server's template applies).
    if (h.chat_template.empty()) h.chat_template = options.llama.chat_template;
    return open_http(h, needs);
  }
  return load_llama(options.llama);
}

}  // namespace mop::lm
