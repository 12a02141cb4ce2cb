#include "support/vllm_fake.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "llama.h"
#include "lm/llama_backend.h"

namespace mop::test {

struct VllmFake::Impl {
  std::string name;
  llama_model* model = nullptr;
  llama_context* ctx = nullptr;
  const llama_vocab* vocab = nullptr;
  std::mutex mu;  // one context: one request at a time
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::atomic<int> completions{0};
  bool allow_prompt_logprobs = true;

  std::vector<llama_token> tokenize(const std::string& text, bool special) {
    std::vector<llama_token> t(text.size() + 8);
    int n = llama_tokenize(vocab, text.data(), static_cast<int>(text.size()), t.data(), static_cast<int>(t.size()), special, special);
    if (n < 0) {
      t.resize(-n);
      n = llama_tokenize(vocab, text.data(), static_cast<int>(text.size()), t.data(), static_cast<int>(t.size()), special, special);
    }
    t.resize(std::max(n, 0));
    return t;
  }
  std::string piece(llama_token t) {
    char buf[256];
    const int n = llama_token_to_piece(vocab, t, buf, sizeof buf, 0, true);
    return n > 0 ? std::string(buf, n) : std::string();
  }

  nlohmann::json complete(const nlohmann::json& req) {
    std::vector<llama_token> ids;
    if (req.at("prompt").is_string()) ids = tokenize(req["prompt"].get<std::string>(), true);
    else ids = req.at("prompt").get<std::vector<llama_token>>();
    if (req.contains("prompt_logprobs") && !allow_prompt_logprobs) throw std::runtime_error("prompt_logprobs is not supported");
    const bool echo = req.value("echo", false);
    const int k = echo ? req.value("logprobs", -1) : req.value("prompt_logprobs", -1);
    const int n_vocab = llama_vocab_n_tokens(vocab);
    std::lock_guard lock(mu);
    llama_memory_clear(llama_get_memory(ctx), true);
    llama_batch batch = llama_batch_init(static_cast<int>(ids.size()), 0, 1);
    for (size_t i = 0; i < ids.size(); ++i) {
      batch.token[i] = ids[i];
      batch.pos[i] = static_cast<llama_pos>(i);
      batch.n_seq_id[i] = 1;
      batch.seq_id[i][0] = 0;
      batch.logits[i] = 1;
    }
    batch.n_tokens = static_cast<int>(ids.size());
    if (llama_decode(ctx, batch) != 0) {
      llama_batch_free(batch);
      throw std::runtime_error("decode failed");
    }
    nlohmann::json plp = nlohmann::json::array({nullptr});
    nlohmann::json e_tokens = nlohmann::json::array({piece(ids[0])}), e_lp = nlohmann::json::array({nullptr}),
                   e_top = nlohmann::json::array({nullptr}), e_offset = nlohmann::json::array({0});
    size_t offset = piece(ids[0]).size();
    llama_token next = 0;
    double next_lp = 0;
    for (size_t i = 0; i < ids.size(); ++i) {
      const float* z = llama_get_logits_ith(ctx, static_cast<int>(i));
      double top = z[0];
      for (int v = 1; v < n_vocab; ++v) top = std::max(top, double(z[v]));
      double sum = 0;
      for (int v = 0; v < n_vocab; ++v) sum += std::exp(double(z[v]) - top);
      const double lse = top + std::log(sum);
      if (i + 1 == ids.size()) {
        next = static_cast<llama_token>(std::max_element(z, z + n_vocab) - z);
        next_lp = double(z[next]) - lse;
        break;
      }
      if (k < 0) continue;
      std::vector<int> order(n_vocab);
      for (int v = 0; v < n_vocab; ++v) order[v] = v;
      std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return z[a] > z[b]; });
      nlohmann::json pos = nlohmann::json::object();
      auto add = [&](int v) {
        const int rank = 1 + static_cast<int>(std::find(order.begin(), order.end(), v) - order.begin());
        pos[std::to_string(v)] = {{"logprob", double(z[v]) - lse}, {"rank", rank}, {"decoded_token", piece(v)}};
      };
      const llama_token actual = ids[i + 1];
      if (echo) {  // legacy form: keyed by token text, the k likeliest only
        nlohmann::json t = nlohmann::json::object();
        for (int r = 0; r < std::min(k, n_vocab); ++r) t[piece(order[r])] = double(z[order[r]]) - lse;
        e_tokens.push_back(piece(actual));
        e_lp.push_back(double(z[actual]) - lse);
        e_top.push_back(std::move(t));
        e_offset.push_back(offset);
        offset += piece(actual).size();
        continue;
      }
      add(actual);
      for (int r = 0; r < std::min(k, n_vocab); ++r) add(order[r]);
      plp.push_back(std::move(pos));
    }
    if (echo) {  // the generated token closes the lists
      e_tokens.push_back(piece(next));
      e_lp.push_back(next_lp);
      e_top.push_back(nlohmann::json::object({{piece(next), next_lp}}));
      e_offset.push_back(offset);
    }
    llama_batch_free(batch);
    nlohmann::json choice = {{"index", 0}, {"text", piece(next)}, {"logprobs", nullptr}, {"finish_reason", "length"},
                             {"stop_reason", nullptr}};
    if (echo && k >= 0) {
      std::string text;  // the prompt echoed, then the completion
      for (const auto& t : e_tokens) text += t.get<std::string>();
      choice["text"] = text;
      choice["logprobs"] = {{"tokens", e_tokens}, {"token_logprobs", e_lp}, {"top_logprobs", e_top}, {"text_offset", e_offset}};
    } else if (k >= 0) {
      choice["prompt_logprobs"] = std::move(plp);
    }
    return {{"id", "cmpl-fake"},
            {"object", "text_completion"},
            {"created", 0},
            {"model", name},
            {"choices", nlohmann::json::array({choice})},
            {"usage", {{"prompt_tokens", ids.size()}, {"completion_tokens", 1}, {"total_tokens", ids.size() + 1}}}};
  }
};

VllmFake::VllmFake(const std::string& gguf, const std::string& name, bool prompt_logprobs) : impl_(std::make_unique<Impl>()) {
  lm::init_llama_backend(false);
  impl_->name = name;
  impl_->allow_prompt_logprobs = prompt_logprobs;
  auto mp = llama_model_default_params();
  mp.n_gpu_layers = 0;
  impl_->model = llama_model_load_from_file(gguf.c_str(), mp);
  if (!impl_->model) throw std::runtime_error("cannot load " + gguf);
  auto cp = llama_context_default_params();
  cp.n_ctx = 1024;
  cp.n_batch = 1024;
  cp.n_ubatch = 1024;
  cp.n_threads = cp.n_threads_batch = 1;
  impl_->ctx = llama_init_from_model(impl_->model, cp);
  impl_->vocab = llama_model_get_vocab(impl_->model);
  Impl* s = impl_.get();
  auto json_reply = [](httplib::Response& res, const nlohmann::json& j, int status = 200) {
    res.status = status;
    res.set_content(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");  // byte tokens
  };
  s->server.Get("/v1/models", [s, json_reply](const httplib::Request&, httplib::Response& res) {
    json_reply(res, {{"object", "list"}, {"data", nlohmann::json::array({{{"id", s->name}, {"object", "model"}}})}});
  });
  s->server.Post("/tokenize", [s, json_reply](const httplib::Request& req, httplib::Response& res) {
    const auto j = nlohmann::json::parse(req.body);
    const auto t = s->tokenize(j.at("prompt").get<std::string>(), j.value("add_special_tokens", true));
    json_reply(res, {{"count", t.size()}, {"max_model_len", 1024}, {"tokens", t}});
  });
  s->server.Post("/v1/completions", [s, json_reply](const httplib::Request& req, httplib::Response& res) {
    try {
      json_reply(res, s->complete(nlohmann::json::parse(req.body)));
      ++s->completions;
    } catch (const std::exception& e) {
      json_reply(res, {{"object", "error"}, {"message", e.what()}, {"type", "BadRequestError"}, {"code", 400}}, 400);
    }
  });
  impl_->port = impl_->server.bind_to_any_port("127.0.0.1");
  impl_->thread = std::thread([s] { s->server.listen_after_bind(); });
  impl_->server.wait_until_ready();
}

VllmFake::~VllmFake() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  if (impl_->ctx) llama_free(impl_->ctx);
  if (impl_->model) llama_model_free(impl_->model);
}

std::string VllmFake::url() const { return "http://127.0.0.1:" + std::to_string(impl_->port); }
int VllmFake::requests() const { return impl_->completions; }

}  // namespace mop::test
