#pragma once
// Turns a conversation into the prompt text a model expects.
// Which template is used, in order:
//   - an explicit choice: "plain", a llama.cpp built-in template name ("llama3", "chatml", ...),
//     a path to a Jinja template file, or Jinja source text;
//   - else the model's own template from its GGUF metadata (tokenizer.chat_template), run by
//     llama.cpp's Jinja engine;
//   - else, for base models without a template, the plain format: the messages' contents joined
//     by blank lines, ending with a blank line, roles not written.
#include <memory>
#include <string>
#include <vector>

#include "mop/lm.h"

struct llama_model;

namespace mop::lm {

class ChatFormat {
 public:
  ChatFormat(const llama_model* model, const std::string& choice);
  ~ChatFormat();
  ChatFormat(const ChatFormat&) = delete;
  ChatFormat& operator=(const ChatFormat&) = delete;

  std::string render(const std::vector<ChatMessage>& messages) const;
  // "plain", "builtin:NAME" or "jinja" (model's own or user-given): for logs and run records.
  const std::string& kind() const { return kind_; }

  struct Jinja;  // llama.cpp's compiled templates (kept out of this header)

 private:
  std::string kind_;
  std::string builtin_;          // built-in template name, when kind_ is builtin
  std::unique_ptr<Jinja> jinja_;  // compiled Jinja template, when kind_ is jinja
};

std::string render_plain(const std::vector<ChatMessage>& messages);

}  // namespace mop::lm
