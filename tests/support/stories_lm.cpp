#include "support/stories_lm.h"

#include "mop/lm_llama.h"
#include "support/paths.h"

namespace mop::test {

std::unique_ptr<lm::LanguageModel> stories_lm(int n_ctx, int n_parallel) {
  lm::LlamaOptions o;
  o.model = stories_model();
  o.n_threads = 1;
  o.n_ctx = n_ctx;
  if (n_parallel > 0) o.n_parallel = n_parallel;
  return lm::load_llama(o);
}

}  // namespace mop::test
