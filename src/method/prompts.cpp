#include "mop/prompts.h"

#include <algorithm>
#include <cctype>

#include "mop/error.h"

namespace mop::method {
namespace {

const std::vector<Domain>& domains() {
  static const std::vector<Domain> all = {
      {"news", "news article",
       "Here are news articles written by one group of writers:\n{examples}\n\n"
       "In one sentence that starts with \"You are\", describe the writer of these {noun}s: their beat, "
       "their outlook and their style."},
      {"restaurant", "restaurant review",
       "Here are restaurant reviews written by one group of customers:\n{examples}\n\n"
       "In one sentence that starts with \"You are\", describe the customer who writes these {noun}s: what "
       "they care about, their mood and their style."},
      {"movie", "movie review",
       "Here are movie reviews written by one group of viewers:\n{examples}\n\n"
       "In one sentence that starts with \"You are\", describe the viewer who writes these {noun}s: their "
       "tastes, their opinions and their style."},
      {"generic", "text",
       "Here are texts written by one group of people:\n{examples}\n\n"
       "In one sentence that starts with \"You are\", describe the person who writes these {noun}s: their "
       "interests, their attitude and their style."},
  };
  return all;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

std::string one_line(std::string s, size_t max_chars) {
  for (char& c : s)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  if (s.size() > max_chars) {
    size_t cut = max_chars;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // not mid-character
    s = s.substr(0, cut) + "...";
  }
  return s;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n\"'*`");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n\"'*`");
  return s.substr(b, e - b + 1);
}

bool starts_with_ci(const std::string& s, const std::string& prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) return false;
  return true;
}

}  // namespace

const Domain& domain_by_name(const std::string& name) {
  for (const auto& d : domains())
    if (d.name == name) return d;
  std::string names;
  for (const auto& n : domain_names()) names += (names.empty() ? "" : ", ") + n;
  throw Error("unknown domain '" + name + "': choose one of " + names);
}

std::vector<std::string> domain_names() {
  std::vector<std::string> out;
  for (const auto& d : domains()) out.push_back(d.name);
  return out;
}

std::string generation_instruction(const Domain& d, const std::vector<Example>& exemplars,
                                   const std::optional<std::string>& context, const std::string& condition) {
  std::string s;
  if (exemplars.size() == 1) {
    s += "Here is an example of a " + d.noun + " you wrote";
    if (exemplars[0].context) s += " about " + *exemplars[0].context;
    s += ":\n" + exemplars[0].text + "\n\n";
  } else if (!exemplars.empty()) {
    s += "Here are examples of " + d.noun + "s you wrote:\n";
    for (size_t i = 0; i < exemplars.size(); ++i) {
      s += std::to_string(i + 1) + ". ";
      if (exemplars[i].context) s += "(" + *exemplars[i].context + ") ";
      s += exemplars[i].text + "\n";
    }
    s += "\n";
  }
  s += "Write a new " + d.noun;
  if (context && !context->empty()) s += " about " + *context;
  s += ".";
  if (!condition.empty()) s += " " + condition;
  s += " Reply with the " + d.noun + " only.";
  return s;
}

std::string summarization_instruction(const std::string& templ, const Domain& d, const std::vector<Example>& examples,
                                      size_t max_chars) {
  if (templ.find("{examples}") == std::string::npos) throw Error("persona prompt template has no {examples} placeholder");
  std::string list;
  for (const auto& e : examples) {
    list += "- ";
    if (e.context) {
      list += '(';
      list += one_line(*e.context, 80);
      list += ") ";
    }
    list += one_line(e.text, max_chars) + "\n";
  }
  if (!list.empty()) list.pop_back();
  return replace_all(replace_all(templ, "{examples}", list), "{noun}", d.noun);
}

std::string generic_persona_instruction(const Domain& d) {
  return "Invent a person who writes " + d.noun + "s. In one sentence that starts with \"You are\", describe this person: "
         "their background, their interests and their style.";
}

std::string choice_letter(size_t i) { return std::string(1, static_cast<char>('A' + i)); }

std::string persona_label_question(const Domain& d, const std::string& persona, const std::vector<std::string>& labels) {
  if (labels.size() < 2 || labels.size() > 26)
    throw Error("persona labelling needs between 2 and 26 label names, got " + std::to_string(labels.size()));
  std::string s = "Here is a description of a person who writes " + d.noun + "s:\n" + persona +
                  "\n\nWhich category do this person's " + d.noun + "s most likely belong to?\n";
  for (size_t i = 0; i < labels.size(); ++i) s += choice_letter(i) + ". " + labels[i] + "\n";
  s += "\nAnswer with the letter only.";
  return s;
}

std::string merge_instruction(const std::vector<std::string>& personas) {
  std::string s = "Here are descriptions of several people:\n";
  for (size_t i = 0; i < personas.size(); ++i) s += std::to_string(i + 1) + ". " + personas[i] + "\n";
  s += "\nIn one sentence that starts with \"You are\", describe a single person who combines all of them.";
  return s;
}

std::string clean_persona(const std::string& reply) {
  std::string s = reply;
  // Drop a preamble line ending in ':' ("Sure! Here is a description:").
  if (const auto colon = s.find(':'); colon != std::string::npos && colon < 80 && s.find('\n', colon) != std::string::npos &&
                                      trim(s.substr(colon + 1)).size() > 0 && s.substr(0, colon).find("You are") == std::string::npos)
    s = s.substr(colon + 1);
  s = trim(s);
  // First line, then first sentence.
  if (const auto nl = s.find('\n'); nl != std::string::npos) s = trim(s.substr(0, nl));
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    if ((s[i] == '.' || s[i] == '!' || s[i] == '?') && s[i + 1] == ' ' && i > 10) {
      s = s.substr(0, i + 1);
      break;
    }
  }
  s = trim(s);
  if (s.empty()) return "";
  if (!starts_with_ci(s, "you ")) {
    if (starts_with_ci(s, "a ") || starts_with_ci(s, "an ") || starts_with_ci(s, "the ")) {
      s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
      s = "You are " + s;
    }
  } else {
    s[0] = 'Y';
  }
  const char last = s.back();
  if (last != '.' && last != '!' && last != '?') s += '.';
  return s;
}

}  // namespace mop::method
