#include "lm/model_source.h"

#include <cstdlib>
#include <cstring>
#include <fstream>

#include "download.h"  // llama.cpp common: hub downloads
#include "gguf.h"
#include "mop/error.h"

namespace mop::lm {
namespace fs = std::filesystem;

fs::path default_model_cache_dir() {
  if (const char* d = std::getenv("MOP_CACHE_DIR"); d && *d) return fs::path(d) / "models";
  if (const char* d = std::getenv("XDG_CACHE_HOME"); d && *d) return fs::path(d) / "mop" / "models";
  if (const char* d = std::getenv("HOME"); d && *d) return fs::path(d) / ".cache" / "mop" / "models";
  return fs::path(".mop-cache") / "models";
}

// Same rule as llama.cpp's common_get_model_endpoint (kept here to avoid depending on common.h).
static std::string hub_endpoint() {
  const char* e = std::getenv("MODEL_ENDPOINT");
  if (!e || !*e) e = std::getenv("HF_ENDPOINT");
  std::string endpoint = (e && *e) ? e : "https://huggingface.co/";
  if (endpoint.back() != '/') endpoint += '/';
  return endpoint;
}

static fs::path download_from_hub(const std::string& spec, const fs::path& cache_dir) {
  // hf:OWNER/REPO/FILE.gguf (FILE may itself contain slashes: sub-folders of the repository)
  const std::string rest = spec.substr(3);
  const auto first = rest.find('/');
  const auto second = first == std::string::npos ? std::string::npos : rest.find('/', first + 1);
  if (second == std::string::npos || second + 1 >= rest.size())
    throw Error("bad model name '" + spec + "': expected hf:OWNER/REPO/FILE.gguf");
  const std::string repo = rest.substr(0, second);
  const std::string file = rest.substr(second + 1);
  const std::string url = hub_endpoint() + repo + "/resolve/main/" + file;

  std::string flat = repo + "/" + file;
  for (char& c : flat)
    if (c == '/') c = '_';
  const fs::path local = cache_dir / flat;

  common_download_opts opts;
  if (const char* token = std::getenv("HF_TOKEN"); token && *token) opts.bearer_token = token;
  const int status = common_download_file_single(url, local.string(), opts);
  if (status < 200 || status >= 400) {
    throw Error("cannot download model " + spec + " from " + url +
                (status > 0 ? " (HTTP " + std::to_string(status) + ")" : " (connection failed)"));
  }
  return local;
}

fs::path resolve_model(const std::string& spec, const fs::path& cache_dir) {
  if (spec.empty()) throw Error("no model given");
  fs::path path = spec.rfind("hf:", 0) == 0 ? download_from_hub(spec, cache_dir) : fs::path(spec);
  check_gguf_file(path);
  return path;
}

void check_gguf_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error("model file not found: " + path.string());
  if (fs::is_directory(path, ec)) throw Error("model path is a directory, not a GGUF file: " + path.string());
  const auto size = fs::file_size(path, ec);
  char magic[4] = {};
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot read model file " + path.string() + ": " + std::strerror(errno));
    in.read(magic, 4);
    if (in.gcount() != 4 || std::memcmp(magic, "GGUF", 4) != 0)
      throw Error("not a GGUF model file (bad magic): " + path.string());
  }
  gguf_init_params params{/*no_alloc=*/true, /*ctx=*/nullptr};
  gguf_context* ctx = gguf_init_from_file(path.c_str(), params);
  if (!ctx) throw Error("corrupt or truncated GGUF header: " + path.string());
  // The data section must hold every tensor the header lists.
  size_t needed = gguf_get_data_offset(ctx);
  for (int64_t i = 0; i < gguf_get_n_tensors(ctx); ++i) {
    needed = std::max(needed, gguf_get_data_offset(ctx) + gguf_get_tensor_offset(ctx, i) + gguf_get_tensor_size(ctx, i));
  }
  gguf_free(ctx);
  if (size < needed) {
    throw Error("truncated GGUF model file: " + path.string() + " has " + std::to_string(size) +
                " bytes, its tensors need " + std::to_string(needed));
  }
}

}  // namespace mop::lm
