// Serving engines' JSON answers (lm::http_answers): /tokenize, completions text, chat, vLLM
// prompt_logprobs, legacy echo logprobs, embeddings, and the client-side tempering of top-k
// log-probabilities. The first byte picks the parser and its settings; the rest is the body. Any
// body must give a result or a mop::Error, never another exception, a crash or a NaN score.
#include <cmath>
#include <cstdlib>

#include "fuzz_util.h"
#include "lm/http_answers.h"
#include "lm/topk_tempered.h"
#include "mop/error.h"

namespace answers = mop::lm::http_answers;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  const auto j = nlohmann::json::parse(mop::fuzz::as_view(data + 1, size - 1), nullptr, false);
  if (j.is_discarded()) return 0;
  try {
    switch (mode % 6) {
      case 0:
        (void)answers::tokens(j);
        break;
      case 1:
      case 2:
        (void)answers::generation(j, mode % 6 == 2);
        break;
      case 3:
        (void)answers::embeddings(j, (mode >> 3) % 5);
        break;
      case 4:
      case 5: {
        const bool echo = mode % 6 == 5;
        if (echo ? !answers::has_echo_logprobs(j) : !answers::has_prompt_logprobs(j)) break;
        const auto& choice = *answers::first_choice(j);
        const size_t n = echo ? choice["logprobs"]["token_logprobs"].size() : choice["prompt_logprobs"].size();
        const double tau = 0.25 + (mode >> 3) * 0.1;
        for (size_t p = echo ? 0 : 1; p < n && p < 64; ++p) {
          const auto entries = echo ? answers::echo_entries(choice["logprobs"], p, 7)
                                    : answers::prompt_logprobs_entries(choice["prompt_logprobs"][p]);
          if (entries.empty()) continue;
          const auto t = mop::lm::tempered_from_topk(entries, entries.front().first, 1 + (mode >> 3), tau);
          if (std::isnan(t.logprob) || std::isnan(t.dlogprob_dtau)) std::abort();  // NaN must never reach a score
        }
        break;
      }
    }
  } catch (const mop::Error&) {
  }
  return 0;
}
