#pragma once
// Token budgets: long texts cut to a number of the language model's tokens, so one long record
// never overflows a prompt or the KV cache. Cuts fall at a word boundary (inside a word only when
// not even the first word fits) and, for exemplars shown in prompts, end with a marker that says
// the text goes on.
#include <string>
#include <vector>

#include "mop/dataset.h"
#include "mop/lm.h"

namespace mop::method {

inline constexpr const char* kCutMarker = " [...]";

struct Budgeted {
  std::string text;       // the text itself when it fits, else the cut (marker included)
  bool cut = false;
  size_t tokens = 0;      // tokens of `text`
  size_t full_tokens = 0; // tokens of the original
};

// Each text within max_tokens (0: no budget, every text kept whole). The marker, when given, is
// appended to cut texts and counted in the budget. Token counts come from lm.count_tokens, one
// batched call per round of a binary search over cut points (about log2 of the longest text's
// words rounds, for the texts over budget only).
std::vector<Budgeted> fit_to_budget(lm::LanguageModel& lm, const std::vector<std::string>& texts, size_t max_tokens,
                                    const std::string& marker = "");

// Each record's context x cut to max_tokens (> 0), ending kCutMarker, in place; equal contexts
// stay equal. Returns how many records' contexts were cut.
size_t cut_contexts(lm::LanguageModel& lm, std::vector<data::Record>& records, size_t max_tokens);

}  // namespace mop::method
