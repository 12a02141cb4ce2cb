#pragma once
// llama.cpp's tokenizer behind one call, for every llama.cpp user in mop (the LM backend, the
// GGUF sentence encoder): llama_tokenize's size-query-then-fill protocol and its failures.
#include <string_view>
#include <vector>

#include "llama.h"

namespace mop::lm {

// The tokens of `text`. add_special: the BOS/EOS (or [CLS]/[SEP]) the model wants around a text;
// parse_special: special-token text in `text` ("<|im_start|>") becomes that token. Throws
// mop::Error naming the text (an excerpt and its size) when llama.cpp cannot tokenize it.
std::vector<llama_token> tokenize(const llama_vocab* vocab, std::string_view text, bool add_special, bool parse_special);

}  // namespace mop::lm
