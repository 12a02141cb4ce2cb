// Parsing the llama.cpp backend's size options from the command line and experiment files.
#include <cctype>
#include <cstdlib>

#include "mop/error.h"
#include "mop/lm_llama.h"

namespace mop::lm {

int parse_ctx(const std::string& text, const std::string& what) {
  if (text == "auto") return kAutoCtx;
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < 0 || v > (1LL << 31) - 1)
    throw Error(what + " must be auto, 0 (the model's training length) or a number of KV cells, not '" + text + "'");
  return static_cast<int>(v);
}

int64_t parse_memory_size(const std::string& text, const std::string& what) {
  if (text == "auto" || text == "0") return 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  std::string unit(end);
  for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (!unit.empty() && unit.back() == 'B') unit.pop_back();
  if (unit.size() == 2 && unit[1] == 'I') unit.pop_back();
  int shift = -1;
  if (unit.empty()) shift = 0;
  else if (unit == "K") shift = 10;
  else if (unit == "M") shift = 20;
  else if (unit == "G") shift = 30;
  else if (unit == "T") shift = 40;
  if (end == text.c_str() || shift < 0 || !(v > 0) || v * static_cast<double>(1LL << shift) > 9e18)
    throw Error(what + " must be auto or a size such as 8G, 512M or 2.5GiB, not '" + text + "'");
  return static_cast<int64_t>(v * static_cast<double>(1LL << shift));
}

}  // namespace mop::lm
