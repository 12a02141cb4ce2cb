#include "lm/backend_modules.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <vector>

#include "ggml-backend.h"
#include "mop/error.h"

#ifdef GGML_BACKEND_DL
#include <dlfcn.h>
#endif

namespace mop::lm {
namespace {

std::string g_variant;
std::string g_skipped;

#ifdef GGML_BACKEND_DL
namespace fs = std::filesystem;

fs::path module_dir() {
  if (const char* d = std::getenv("MOP_BACKEND_DIR"); d && *d) return d;  // a relocated install
#ifdef GGML_BACKEND_DIR
  if (fs::exists(GGML_BACKEND_DIR)) return GGML_BACKEND_DIR;
#endif
  return fs::read_symlink("/proc/self/exe").parent_path();  // beside the executable, as ggml looks
}

struct Module {
  fs::path path;
  std::string name;  // "cpu-haswell", "cuda"
};

// ggml's own rule (ggml_backend_load_best): a CPU variant scores 0 on a CPU without its
// instruction sets, more the more it uses. -1: the module does not open.
int score(const fs::path& path, std::string* error) {
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    if (error) *error = dlerror();
    return -1;
  }
  using ScoreFn = int (*)();
  auto fn = reinterpret_cast<ScoreFn>(dlsym(h, "ggml_backend_score"));
  const int s = fn ? fn() : 1;
  dlclose(h);
  return s;
}

void load_or_throw(const Module& m) {
  if (!ggml_backend_load(m.path.c_str())) throw Error("llama.cpp cannot load its backend " + m.path.string());
}

void load_modules() {
  const fs::path dir = module_dir();
  std::vector<Module> cpu, others;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string file = entry.path().filename().string();
    if (file.rfind("libggml-", 0) != 0 || entry.path().extension() != ".so" || file == "libggml-base.so") continue;
    Module m{entry.path(), file.substr(8, file.size() - 8 - 3)};
    (m.name.rfind("cpu-", 0) == 0 ? cpu : others).push_back(m);
  }
  std::sort(cpu.begin(), cpu.end(), [](const Module& a, const Module& b) { return a.name < b.name; });
  if (cpu.empty()) throw Error("no llama.cpp CPU backend (libggml-cpu-*.so) in " + dir.string() + ": rebuild with scripts/setup.sh");

  std::string names;
  for (const auto& m : cpu) names += (names.empty() ? "" : ", ") + m.name.substr(4);
  const Module* chosen = nullptr;
  if (const char* forced = std::getenv("MOP_CPU_VARIANT"); forced && *forced) {
    for (const auto& m : cpu)
      if (m.name == std::string("cpu-") + forced) chosen = &m;
    if (!chosen) throw Error(std::string("MOP_CPU_VARIANT=") + forced + ": no such CPU backend in " + dir.string() + " (there are " + names + ")");
    if (score(chosen->path, nullptr) <= 0)
      throw Error(std::string("MOP_CPU_VARIANT=") + forced + ": this CPU lacks the instructions that backend needs");
  } else {
    int best = 0;
    for (const auto& m : cpu)
      if (const int s = score(m.path, nullptr); s > best) best = s, chosen = &m;
    if (!chosen) throw Error("none of llama.cpp's CPU backends in " + dir.string() + " runs on this CPU (" + names + ")");
  }
  load_or_throw(*chosen);
  g_variant = chosen->name.substr(4);

  for (const auto& m : others) {
    std::string error;
    if (score(m.path, &error) < 0) {
      g_skipped += "ggml-" + m.name + ": " + error + "\n";
      continue;
    }
    load_or_throw(m);
  }
}
#endif

}  // namespace

void load_backend_modules() {
#ifdef GGML_BACKEND_DL
  static std::once_flag once;
  std::call_once(once, load_modules);
#endif
}

std::string loaded_cpu_variant() { return g_variant; }

std::string skipped_backend_modules() { return g_skipped; }

}  // namespace mop::lm
