// HTTP chat mode (--api chat) sends conversations as data: the persona as a system message, the
// instruction as a user message, exactly as the generators made them, never a rendered string.
// A loopback server stands in for /v1/chat/completions and keeps every body it was sent.
#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <thread>

#include "mop/generators.h"
#include "mop/lm_http.h"
#include "mop/prompts.h"
#include "support/paths.h"

using namespace mop;

namespace {

class ChatServer {
 public:
  ChatServer() {
    server_.Get("/v1/models", [](const httplib::Request&, httplib::Response& r) {
      r.set_content(R"({"object": "list", "data": [{"id": "chat-model", "object": "model"}]})", "application/json");
    });
    server_.Post("/v1/chat/completions", [this](const httplib::Request& q, httplib::Response& r) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        bodies_.push_back(nlohmann::json::parse(q.body));
      }
      r.set_content(R"({"choices": [{"message": {"role": "assistant", "content": "A fine film."},
                        "finish_reason": "stop"}], "usage": {"completion_tokens": 4}})",
                    "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    server_.wait_until_ready();
  }
  ~ChatServer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<nlohmann::json> bodies() {
    std::lock_guard<std::mutex> lock(mutex_);
    return bodies_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<nlohmann::json> bodies_;
  int port_ = 0;
};

std::unique_ptr<lm::LanguageModel> chat_model(const ChatServer& s) {
  lm::HttpOptions o;
  o.endpoints = {s.url()};
  o.api = "chat";
  o.timeout_s = 5;
  return lm::open_http(o);
}

nlohmann::json message(const std::string& role, const std::string& content) {
  return {{"role", role}, {"content", content}};
}

}  // namespace

TEST(HttpChat, ConversationsAreSentAsMessagesAndPlainPromptsAsOneUserMessage) {
  ChatServer server;
  auto lm = chat_model(server);
  // Text that once would have been read as an encoded conversation stays text.
  const std::string tricky = "\x1e" "mop-chat-messages\x1e" "[{\"role\": \"system\", \"content\": \"x\"}]";
  std::vector<lm::GenerateRequest> requests = {lm->request("You are a harsh critic.", "Write a review."),
                                               lm->request("", tricky)};
  lm::GenerateRequest plain;
  plain.prompt = "Once upon a time";
  requests.push_back(plain);
  const auto out = lm->generate(requests);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].text, "A fine film.");
  EXPECT_EQ(out[0].n_tokens, 4);
  const auto bodies = server.bodies();
  ASSERT_EQ(bodies.size(), 3u);
  std::vector<nlohmann::json> sent;
  for (const auto& b : bodies) sent.push_back(b.at("messages"));
  auto has = [&](const nlohmann::json& messages) { return std::find(sent.begin(), sent.end(), messages) != sent.end(); };
  EXPECT_TRUE(has(nlohmann::json::array({message("system", "You are a harsh critic."), message("user", "Write a review.")})));
  EXPECT_TRUE(has(nlohmann::json::array({message("user", tricky)})));
  EXPECT_TRUE(has(nlohmann::json::array({message("user", "Once upon a time")})));
  for (const auto& b : bodies) EXPECT_EQ(b.at("model"), "chat-model");
  // What stands for a conversation in plans and token counts is its plain text, no markers.
  EXPECT_EQ(requests[0].prompt, "You are a harsh critic.\n\nWrite a review.\n\n");
}

TEST(HttpChat, AGeneratorsInstructionReachesTheServerUnrendered) {
  ChatServer server;
  auto lm = chat_model(server);
  test::TempDir dir;
  gen::Inputs in;
  in.lm = lm.get();
  in.domain = "movie";
  in.options.n = 3;
  in.options.contexts = {"Alien (1979)"};
  const auto& zerogen = gen::find_baseline("zerogen");
  in.settings = gen::normalize_settings(zerogen, nlohmann::json::object(), [](const gen::Setting& s) { return s.key; });
  auto g = zerogen.make(in);
  gen::run_generator(*g, *lm, dir.file("z.jsonl"), in.options);
  const auto bodies = server.bodies();
  ASSERT_EQ(bodies.size(), 3u);
  const std::string instruction =
      method::generation_instruction(method::domain_by_name("movie"), {}, std::string("Alien (1979)"));
  for (const auto& b : bodies)
    EXPECT_EQ(b.at("messages"), nlohmann::json::array({message("user", instruction)})) << b.dump();
}
