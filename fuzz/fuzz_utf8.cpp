// UTF-8 validator and decoder: find_invalid must agree with a walk by next(), every decoded code
// point must re-encode to the bytes it came from, and next() must always advance.
#include "data/utf8.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace u = mop::data::utf8;
  const std::string_view s = mop::fuzz::as_view(data, size);
  const size_t bad = u::find_invalid(s);
  size_t first_bad = u::npos, pos = 0;
  while (pos < s.size()) {
    const size_t at = pos;
    char32_t cp = 0;
    if (u::next(s, pos, cp)) {
      std::string enc;
      u::append(enc, cp);
      if (enc != s.substr(at, pos - at)) __builtin_trap();
    } else if (first_bad == u::npos) {
      first_bad = at;
    }
    if (pos <= at) __builtin_trap();
  }
  if (first_bad != bad) __builtin_trap();
  return 0;
}
