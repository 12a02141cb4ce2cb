#pragma once
// One factory for every command that needs a language model: the in-process llama.cpp backend,
// or serving engines over HTTP when endpoints are given.
#include <memory>

#include "mop/lm_http.h"
#include "mop/lm_llama.h"

namespace mop::lm {

struct ModelOptions {
  LlamaOptions llama;
  HttpOptions http;  // used when http.endpoints is not empty
};

// HTTP when options.http.endpoints is non-empty, else llama.cpp in process.
std::unique_ptr<LanguageModel> open_model(const ModelOptions& options, const ModelNeeds& needs = {});

}  // namespace mop::lm
