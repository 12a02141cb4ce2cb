#include "embed/http_encoder.h"

#include <algorithm>
#include <cmath>

#include "lm/http_answers.h"
#include "mop/error.h"

namespace mop::embed {

HttpEncoder::HttpEncoder(const lm::HttpOptions& options, int batch_size)
    : pool_(std::make_unique<lm::http::EndpointPool>(options)), model_(options.model), batch_size_(batch_size) {
  if (batch_size_ < 1) throw Error("batch size must be at least 1");
  if (model_.empty()) {
    for (size_t e = 0; e < pool_->size() && model_.empty(); ++e) {
      const auto r = pool_->send_once(e, "/v1/models", nullptr);
      const auto j = nlohmann::json::parse(r.body, nullptr, false);
      if (r.status == 200 && !j.is_discarded() && j.contains("data") && j["data"].is_array() && !j["data"].empty())
        model_ = j["data"][0].value("id", "");
      else if (e + 1 == pool_->size())
        throw Error(lm::http::describe_failure(pool_->url(e), "GET", "/v1/models", r) + " (no model listed)");
    }
  }
  dim_ = static_cast<int>(encode({"dimension probe"}).cols());
}

Matrix HttpEncoder::encode(const std::vector<std::string>& texts) {
  const size_t n_calls = (texts.size() + batch_size_ - 1) / batch_size_;
  std::vector<std::vector<std::vector<float>>> rows(n_calls);
  pool_->run(
      n_calls,
      [&](size_t c) {
        const size_t begin = c * batch_size_, end = std::min(texts.size(), begin + batch_size_);
        nlohmann::json input = nlohmann::json::array();
        for (size_t i = begin; i < end; ++i) input.push_back(texts[i]);
        return lm::http::Call{"/v1/embeddings", {{"model", model_}, {"input", std::move(input)}, {"encoding_format", "float"}}};
      },
      [&](size_t c, const nlohmann::json& j) {
        const size_t want = std::min(texts.size(), (c + 1) * batch_size_) - c * batch_size_;
        auto got = lm::http_answers::embeddings(j, want);
        rows[c] = std::move(got);
      });
  Matrix m;
  size_t r = 0;
  for (const auto& call : rows) {
    for (const auto& v : call) {
      if (m.size() == 0) m.resize(static_cast<Eigen::Index>(texts.size()), static_cast<Eigen::Index>(v.size()));
      if (static_cast<Eigen::Index>(v.size()) != m.cols() || v.empty())
        throw Error("embedding endpoints return vectors of different sizes (" + std::to_string(v.size()) + " vs " +
                    std::to_string(m.cols()) + ")");
      double norm = 0;
      for (float x : v) norm += double(x) * x;
      const float inv = norm > 0 ? static_cast<float>(1.0 / std::sqrt(norm)) : 0.0f;
      for (size_t k = 0; k < v.size(); ++k) m(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(k)) = v[k] * inv;
      ++r;
    }
  }
  if (texts.empty()) m.resize(0, dim_);
  return m;
}

}  // namespace mop::embed
