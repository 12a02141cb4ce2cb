#pragma once
// The texts mop sends to the language model, per domain. MoP's generation prompt is
//   system: the persona
//   user:   Here is an example of a {noun} you wrote[ about {x_j}]:
//           {y_j}
//
//           Write a new {noun}[ about {x}].[ {condition}] Reply with the {noun} only.
// and the response y follows the assistant turn. Without an exemplar the first paragraph is left
// out; with several (persona mixing) they are numbered.
#include <optional>
#include <string>
#include <vector>

namespace mop::method {

struct Domain {
  std::string name;        // news | restaurant | movie | generic
  std::string noun;        // what a response is called: "news article", "restaurant review", ...
  std::string summarize;   // persona synthesis prompt, with {examples} and {noun}
};

// Built-in domains; throws mop::Error naming the choices for an unknown name.
const Domain& domain_by_name(const std::string& name);
std::vector<std::string> domain_names();

struct Example {
  std::string text;
  std::optional<std::string> context;
};

// The user message of a MoP prompt.
std::string generation_instruction(const Domain& domain, const std::vector<Example>& exemplars,
                                   const std::optional<std::string>& context, const std::string& condition = "");

// The persona-synthesis user message: the template with {examples} filled by the list of
// examples (one per line, "- " bullets, each cut to max_chars) and {noun} by the domain's noun.
std::string summarization_instruction(const std::string& templ, const Domain& domain, const std::vector<Example>& examples,
                                      size_t max_chars = 400);

// Persona mixing: asks the model to merge several personas into one.
// Ablation "without persona synthesis": a persona written without looking at any data.
std::string generic_persona_instruction(const Domain& domain);

// The persona classification prompt (topic data): a multiple-choice question over the label names,
// answered with one letter (A, B, ...). Throws mop::Error for fewer than 2 or more than 26 labels.
std::string persona_label_question(const Domain& domain, const std::string& persona, const std::vector<std::string>& labels);
std::string choice_letter(size_t i);

std::string merge_instruction(const std::vector<std::string>& personas);

// A model's reply turned into one persona sentence: preamble ("Sure! Here is...:"), quotes and
// markup removed, the first sentence kept, "You are" prefixed when it is a bare description.
// Returns "" when nothing usable is left.
std::string clean_persona(const std::string& reply);

}  // namespace mop::method
