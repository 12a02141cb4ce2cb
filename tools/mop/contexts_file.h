#pragma once
// The contexts x a generating command cycles through (mop simulate, mop baseline).
#include <string>
#include <vector>

namespace mop::cli {

// A .jsonl file (field `field`) or plain text, one context per non-blank line.
std::vector<std::string> read_contexts(const std::string& path, const std::string& field);

}  // namespace mop::cli
