// Chat templates: random-weight models written here with real tokenizers from llama.cpp's
// vocabulary files; the qwen2 and phi-3 files carry their own templates.
#include <gtest/gtest.h>

#include "lm/llama_model.h"
#include "mop/error.h"
#include "support/paths.h"
#include "support/tiny_gguf.h"

using namespace mop::lm;
using mop::test::TempDir;

namespace {

std::unique_ptr<LlamaModel> tiny(const TempDir& dir, const std::string& vocab, const std::string& template_choice = "",
                                 const std::string& embedded_template = "") {
  const std::string path = dir.file(vocab + ".gguf");
  mop::test::write_tiny_llama(path, mop::test::llama_vocab_file(vocab), {}, embedded_template);
  LlamaOptions o;
  o.model = path;
  o.chat_template = template_choice;
  o.n_ctx = 512;
  o.n_threads = 1;
  o.n_parallel = 4;
  return std::make_unique<LlamaModel>(o);
}

}  // namespace

TEST(ChatTemplate, Qwen2UsesItsOwnChatML) {
  TempDir dir;
  auto m = tiny(dir, "qwen2");
  EXPECT_EQ(m->chat_format_kind(), "jinja");
  const std::string p = m->render("You are a food critic.", "Review this restaurant.");
  EXPECT_EQ(p,
            "<|im_start|>system\nYou are a food critic.<|im_end|>\n"
            "<|im_start|>user\nReview this restaurant.<|im_end|>\n"
            "<|im_start|>assistant\n");
  // The template's markers are single special tokens, the user's text is not parsed for them.
  const Tokens t = m->tokenize_prompt(p);
  EXPECT_EQ(m->token_piece(t[0]), "<|im_start|>");
  EXPECT_GT(m->tokenize_text("<|im_start|>").size(), 1u);
}

TEST(ChatTemplate, Phi3UsesItsOwnTemplate) {
  TempDir dir;
  auto m = tiny(dir, "phi-3");
  const std::string p = m->render("You are a sports fan.", "Write a headline.");
  // Phi-3's template has no system turn: the persona is folded into the user's turn.
  EXPECT_NE(p.find("<|user|>\nYou are a sports fan."), std::string::npos) << p;
  EXPECT_NE(p.find("Write a headline.<|end|>\n"), std::string::npos) << p;
  EXPECT_TRUE(p.size() >= 14 && p.substr(p.size() - 14) == "<|assistant|>\n") << p;
}

TEST(ChatTemplate, BaseModelWithoutTemplateGetsThePlainFormat) {
  TempDir dir;
  auto m = tiny(dir, "llama-spm", "", "-");
  EXPECT_EQ(m->chat_format_kind(), "plain");
  EXPECT_EQ(m->render("You are a movie buff.", "Review Alien."), "You are a movie buff.\n\nReview Alien.\n\n");
  EXPECT_EQ(m->render("", "Review Alien."), "Review Alien.\n\n");
}

TEST(ChatTemplate, BuiltInTemplateByName) {
  TempDir dir;
  auto m = tiny(dir, "llama-bpe", "llama3");
  EXPECT_EQ(m->chat_format_kind(), "builtin:llama3");
  const std::string p = m->render("You are a critic.", "Hi");
  EXPECT_NE(p.find("<|start_header_id|>system<|end_header_id|>\n\nYou are a critic.<|eot_id|>"), std::string::npos) << p;
  EXPECT_NE(p.find("<|start_header_id|>assistant<|end_header_id|>\n\n"), std::string::npos) << p;
  // The template's BOS text is not doubled by the tokenizer.
  const Tokens t = m->tokenize_prompt(p);
  ASSERT_GE(t.size(), 2u);
  EXPECT_NE(t[0], t[1]);
}

TEST(ChatTemplate, JinjaFileGivenByTheUser) {
  TempDir dir;
  const std::string tmpl = dir.file("t.jinja");
  mop::test::write_file(tmpl, "{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}[assistant] ");
  auto m = tiny(dir, "gpt-2", tmpl);
  EXPECT_EQ(m->render("P", "I"), "[system] P\n[user] I\n[assistant] ");
}

TEST(ChatTemplate, UnknownNameIsAClearError) {
  TempDir dir;
  try {
    tiny(dir, "gpt-2", "no-such-template");
    FAIL();
  } catch (const mop::Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown chat template 'no-such-template'"), std::string::npos) << e.what();
  }
}

TEST(ChatTemplate, TinyModelScoresAndGenerates) {
  TempDir dir;
  auto m = tiny(dir, "qwen2");
  const std::string p = m->render("You are terse.", "Say something.");
  const auto s = m->score({{p, "Hello there.", 0.6}}, {});
  EXPECT_LT(s[0].logprob, 0);
  GenerateRequest r;
  r.prompt = p;
  r.sampling.max_tokens = 5;
  r.sampling.seed = 3;
  const auto g = m->generate({r}, {});
  EXPECT_LE(g[0].n_tokens, 5);
}
