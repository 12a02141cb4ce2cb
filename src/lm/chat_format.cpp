#include "lm/chat_format.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "chat.h"  // llama.cpp common: Jinja chat templates
#include "llama.h"
#include "mop/error.h"

namespace mop::lm {

struct ChatFormat::Jinja {
  common_chat_templates_ptr templates;
};

namespace {

std::vector<std::string> builtin_template_names() {
  std::vector<const char*> names(llama_chat_builtin_templates(nullptr, 0));
  llama_chat_builtin_templates(names.data(), names.size());
  return {names.begin(), names.end()};
}

bool is_builtin(const std::string& name) {
  for (const auto& n : builtin_template_names())
    if (n == name) return true;
  return false;
}

std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read chat template file " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::unique_ptr<ChatFormat::Jinja> compile(const llama_model* model, const std::string& source) {
  auto j = std::make_unique<ChatFormat::Jinja>();
  try {
    j->templates = common_chat_templates_init(model, source);
  } catch (const std::exception& e) {
    throw Error(std::string("cannot parse chat template: ") + e.what());
  }
  return j;
}

}  // namespace

std::string render_plain(const std::vector<ChatMessage>& messages) {
  std::string out;
  for (const auto& m : messages) {
    out += m.content;
    out += "\n\n";
  }
  return out;
}

ChatFormat::ChatFormat(const llama_model* model, const std::string& choice) {
  if (choice == "plain") {
    kind_ = "plain";
  } else if (!choice.empty() && is_builtin(choice)) {
    kind_ = "builtin:" + choice;
    builtin_ = choice;
  } else if (!choice.empty() && std::filesystem::is_regular_file(choice)) {
    kind_ = "jinja";
    jinja_ = compile(model, read_text_file(choice));
  } else if (choice.find("{%") != std::string::npos || choice.find("{{") != std::string::npos) {
    kind_ = "jinja";
    jinja_ = compile(model, choice);
  } else if (!choice.empty()) {
    std::string names;
    for (const auto& n : builtin_template_names()) names += (names.empty() ? "" : ", ") + n;
    throw Error("unknown chat template '" + choice + "': not a file, not Jinja source, not 'plain', and not one of: " + names);
  } else if (llama_model_chat_template(model, nullptr) != nullptr) {
    kind_ = "jinja";
    jinja_ = compile(model, "");
  } else {
    kind_ = "plain";
  }
}

ChatFormat::~ChatFormat() = default;

std::string ChatFormat::render(const std::vector<ChatMessage>& messages) const {
  if (jinja_) {
    common_chat_templates_inputs inputs;
    for (const auto& m : messages) {
      common_chat_msg msg;
      msg.role = m.role;
      msg.content = m.content;
      inputs.messages.push_back(std::move(msg));
    }
    inputs.add_generation_prompt = true;
    inputs.use_jinja = true;
    inputs.enable_thinking = false;  // a persona's reply, not a reasoning trace
    try {
      return common_chat_templates_apply(jinja_->templates.get(), inputs).prompt;
    } catch (const std::exception& e) {
      throw Error(std::string("chat template failed to render: ") + e.what());
    }
  }
  if (!builtin_.empty()) {
    std::vector<llama_chat_message> chat;
    size_t total = 0;
    for (const auto& m : messages) {
      chat.push_back({m.role.c_str(), m.content.c_str()});
      total += m.role.size() + m.content.size();
    }
    std::string buf(2 * total + 256, '\0');
    int32_t n = llama_chat_apply_template(builtin_.c_str(), chat.data(), chat.size(), true, buf.data(), buf.size());
    if (n > static_cast<int32_t>(buf.size())) {
      buf.resize(n);
      n = llama_chat_apply_template(builtin_.c_str(), chat.data(), chat.size(), true, buf.data(), buf.size());
    }
    if (n < 0) throw Error("chat template '" + builtin_ + "' cannot render this conversation");
    buf.resize(n);
    return buf;
  }
  return render_plain(messages);
}

}  // namespace mop::lm
