#pragma once
// Tokenisation for GloVe lookups. GloVe 6B was trained on text split by Stanford's PTB tokenizer
// and lowercased, so we reproduce its splits: "don't" -> "do" "n't", "can't" -> "ca" "n't",
// "it's" -> "it" "'s", punctuation as separate tokens, "u.s." and "e.g." as one token, "3.5",
// "1,000" and "e-mail" as one token each.
// The wink vocabulary keeps only [a-z0-9] words (hyphens allowed) and 45 punctuation marks, so
// clitics, numbers, single letters and dotted abbreviations are emitted here but found nowhere and
// skipped. lookup_tokens() adds fallbacks for words GloVe lacks: "semi-arid" -> "semi" "arid",
// "o'neill" -> "o" "neill".
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mop::embed::detail {

// Lowercases, folds Latin-1 accents (é -> e, ß -> ss), maps typographic quotes and dashes to
// ASCII (’ -> ', “ -> ", — -> -), decodes ASCII HTML entities ("&amp;", "&#39;", and the bare
// "#39;" of AG News), and splits as described above. Other non-ASCII symbols (€, …)
// become tokens of their own; letters of other scripts stay inside their word. Invalid UTF-8
// bytes separate tokens.
std::vector<std::string> glove_tokenize(std::string_view text);

using FindWord = std::function<std::optional<std::uint32_t>(std::string_view)>;

// Vocabulary indices of the tokens of `text`, in order; unknown tokens are skipped.
std::vector<std::uint32_t> lookup_tokens(std::string_view text, const FindWord& find);

}  // namespace mop::embed::detail
