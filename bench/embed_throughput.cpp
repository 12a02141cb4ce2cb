// Sentences per second of GloVe-SIF on 10,000 SST-2 sentences: encoding directly (cold), through
// an empty embedding cache (encode + store), and through a filled one (lookups only).
// Usage: embed_throughput [SST2_TRAIN_JSONL]  (default: ../shared/data/sst2/train.jsonl beside the
// repository). The GloVe vectors come from the mop cache, as for every command.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mop/embed_cache.h"
#include "mop/embed_glove.h"
#include "mop/error.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

fs::path default_data() {
#ifdef MOP_SHARED_DIR
  return fs::path(MOP_SHARED_DIR) / "data/sst2/train.jsonl";
#else
  return fs::path(__FILE__).parent_path() / "../../shared/data/sst2/train.jsonl";
#endif
}

std::vector<std::string> read_texts(const fs::path& path, std::size_t limit) {
  std::ifstream in(path);
  if (!in) throw mop::Error("cannot read " + path.string());
  std::vector<std::string> out;
  for (std::string line; out.size() < limit && std::getline(in, line);) {
    out.push_back(nlohmann::json::parse(line).at("text").get<std::string>());
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const fs::path data = argc > 1 ? fs::path(argv[1]) : default_data();
    const auto texts = read_texts(data, 10000);
    const double n = static_cast<double>(texts.size());
    std::printf("embed_throughput: %zu SST-2 sentences from %s\n", texts.size(), data.string().c_str());

    auto t0 = Clock::now();
    std::shared_ptr<mop::embed::GloveSif> glove = mop::embed::GloveSif::open();
    std::printf("open GloVe (mmap)          %10.1f ms\n", 1e3 * seconds_since(t0));
    t0 = Clock::now();
    glove->fit_component(texts);
    std::printf("fit common component       %10.1f ms\n", 1e3 * seconds_since(t0));

    double best = 1e30;
    for (int rep = 0; rep < 3; ++rep) {
      t0 = Clock::now();
      const auto m = glove->encode(texts);
      best = std::min(best, seconds_since(t0));
    }
    std::printf("cold encode (best of 3)    %10.0f sentences/s\n", n / best);

    const fs::path db = fs::temp_directory_path() / ("mop_embed_bench_" + std::to_string(::getpid()) + ".sqlite");
    double fill = 0, hit = 0;
    {
      mop::embed::CachedEncoder cached(glove, db);
      t0 = Clock::now();
      cached.encode(texts);
      fill = seconds_since(t0);
    }
    {
      mop::embed::CachedEncoder cached(glove, db);  // a new instance, as the next command would open
      t0 = Clock::now();
      cached.encode(texts);
      hit = seconds_since(t0);
      if (cached.stats().misses != 0) throw std::runtime_error("the filled cache missed");
    }
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
    std::printf("cache, empty (encode+store)%10.0f sentences/s\n", n / fill);
    std::printf("cache, filled (lookups)    %10.0f sentences/s\n", n / hit);
    std::printf("filled cache / cold encode %10.2fx\n", best / hit);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "embed_throughput: %s\n", e.what());
    return 1;
  }
}
