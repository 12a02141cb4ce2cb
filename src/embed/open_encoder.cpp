#include "mop/embed_open.h"

#include "mop/embed_cache.h"
#include "mop/embed_glove.h"
#include "mop/error.h"

namespace mop::embed {

std::shared_ptr<Encoder> open_encoder(const std::string& name, const EncoderOptions& options) {
  const auto cache = options.cache_dir.empty() ? default_cache_dir() : options.cache_dir;
  if (name == "glove-sif" || name.empty()) {
    // Encoding GloVe-SIF is faster than a cache lookup: never cached.
    return GloveSif::open(cache);
  }
  throw Error("unknown encoder '" + name + "': use glove-sif, a GGUF embedding model path, or hf:OWNER/REPO/FILE.gguf");
}

}  // namespace mop::embed
