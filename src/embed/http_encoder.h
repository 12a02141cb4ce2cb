#pragma once
// mop::embed::HttpEncoder — sentence vectors from OpenAI-compatible /v1/embeddings endpoints
// (vLLM, llama-server with --embeddings, Ollama, TEI), with the same spreading, in-flight limit,
// retries and endpoint set-aside as the HTTP language model (lm/http_pool.h). Rows are
// L2-normalised here: servers differ in whether they normalise.
#include <memory>
#include <string>

#include "lm/http_pool.h"
#include "mop/embed.h"

namespace mop::embed {

class HttpEncoder final : public Encoder {
 public:
  // options.endpoints: the servers; options.model: "" = the first of GET /v1/models.
  HttpEncoder(const lm::HttpOptions& options, int batch_size);

  // "http:<served model name>" (never the endpoint or the key: the same model on any replica
  // gives the same vectors and shares the cache).
  std::string id() const override { return "http:" + model_; }
  int dim() const override { return dim_; }
  Matrix encode(const std::vector<std::string>& texts) override;

 private:
  std::unique_ptr<lm::http::EndpointPool> pool_;
  std::string model_;
  int batch_size_;
  int dim_ = 0;
};

}  // namespace mop::embed
