#pragma once
// The shared 260K-parameter story model (../shared/models), opened in process for unit tests:
// one thread and a fixed context, so results do not depend on the machine's cores.
#include <memory>

#include "mop/lm.h"

namespace mop::test {

std::unique_ptr<lm::LanguageModel> stories_lm(int n_ctx = 2048, int n_parallel = 0);

}  // namespace mop::test
