#include <cstdlib>

#include "mop/embed_cache.h"
#include "mop/error.h"

namespace mop::embed {

// Same rule as scripts/fetch_glove.sh and scripts/fetch_llama.sh, so both find one folder.
std::filesystem::path default_cache_dir() {
  const auto env = [](const char* name) -> const char* {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? v : nullptr;
  };
  if (const char* dir = env("MOP_CACHE_DIR")) return dir;
  if (const char* xdg = env("XDG_CACHE_HOME")) return std::filesystem::path(xdg) / "mop";
  if (const char* home = env("HOME")) return std::filesystem::path(home) / ".cache" / "mop";
  throw Error("no cache folder: set MOP_CACHE_DIR (or HOME)");
}

}  // namespace mop::embed
