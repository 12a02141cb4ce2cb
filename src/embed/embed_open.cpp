#include "mop/embed_open.h"

#include "embed/gguf_encoder.h"
#include "embed/http_encoder.h"
#include "mop/embed_cache.h"
#include "mop/embed_glove.h"
#include "mop/error.h"

namespace mop::embed {
namespace {

bool is_gguf_name(const std::string& name) {
  return name.rfind("hf:", 0) == 0 || (name.size() > 5 && name.compare(name.size() - 5, 5, ".gguf") == 0);
}

}  // namespace

std::shared_ptr<Encoder> open_encoder(const std::string& name, const EncoderOptions& options) {
  const auto cache = options.cache_dir.empty() ? default_cache_dir() : options.cache_dir;
  if (name == "glove-sif" || name.empty()) {
    // Encoding GloVe-SIF is faster than a cache lookup: never cached.
    return GloveSif::open(cache);
  }
  if (is_gguf_name(name)) {
    GgufEncoderOptions o;
    o.model = name;
    o.model_cache_dir = cache / "models";  // where mop lm keeps hub downloads too
    o.n_threads = options.n_threads;
    o.batch_size = options.batch_size;
    o.verbose = options.verbose;
    auto encoder = std::make_shared<GgufEncoder>(o);
    if (!options.use_cache) return encoder;
    return std::make_shared<CachedEncoder>(std::move(encoder), cache / "embeddings.sqlite");
  }
  if (name.rfind("http://", 0) == 0 || name.rfind("https://", 0) == 0) {
    lm::HttpOptions o;
    for (size_t begin = 0; begin <= name.size();) {  // comma-separated replicas
      const size_t comma = std::min(name.find(',', begin), name.size());
      if (comma > begin) o.endpoints.push_back(name.substr(begin, comma - begin));
      begin = comma + 1;
    }
    auto encoder = std::make_shared<HttpEncoder>(o, options.batch_size);
    if (!options.use_cache) return encoder;
    return std::make_shared<CachedEncoder>(std::move(encoder), cache / "embeddings.sqlite");
  }
  throw Error("unknown encoder '" + name +
              "': use glove-sif, a GGUF embedding model path, hf:OWNER/REPO/FILE.gguf, or http(s)://HOST:PORT[,http://...]");
}

}  // namespace mop::embed
