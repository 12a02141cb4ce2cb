// Sentences per second on 10,000 SST-2 sentences, encoding directly (cold), through an empty
// embedding cache (encode + store), and through a filled one (lookups only), for
//   - GloVe-SIF (vectors from the mop cache, as for every command);
//   - the GGUF encoder on a random-weight BERT of MiniLM-L6's shape (6 layers, 384 wide, 12 heads,
//     feed-forward 1536, bge vocabulary): the speed of all-MiniLM-L6-v2, without a download. The
//     model is written once into <mop cache>/bench/.
// Usage: embed_throughput [SST2_TRAIN_JSONL [THREADS]]  (default: ../shared/data/sst2/train.jsonl
// beside the repository; all cores).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "embed/gguf_encoder.h"
#include "mop/embed_cache.h"
#include "mop/embed_glove.h"
#include "mop/error.h"
#include "support/tiny_bert.h"

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

// Encodes through an empty cache (encode + store), then through a filled one opened anew, as the
// next command would. Returns seconds for each.
std::pair<double, double> time_cache(const std::shared_ptr<mop::embed::Encoder>& encoder, const std::vector<std::string>& texts,
                                     const char* name) {
  const fs::path db = fs::temp_directory_path() / ("mop_embed_bench_" + std::string(name) + "_" + std::to_string(::getpid()) + ".sqlite");
  double fill = 0, hit = 0;
  {
    mop::embed::CachedEncoder cached(encoder, db);
    auto t0 = Clock::now();
    cached.encode(texts);
    fill = seconds_since(t0);
  }
  {
    mop::embed::CachedEncoder cached(encoder, db);
    auto t0 = Clock::now();
    cached.encode(texts);
    hit = seconds_since(t0);
    if (cached.stats().misses != 0) throw std::runtime_error("the filled cache missed");
  }
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
  return {fill, hit};
}

void bench_glove(const std::vector<std::string>& texts) {
  const double n = static_cast<double>(texts.size());
  std::printf("\n== GloVe-SIF ==\n");
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
  const auto [fill, hit] = time_cache(glove, texts, "glove");
  std::printf("cache, empty (encode+store)%10.0f sentences/s\n", n / fill);
  std::printf("cache, filled (lookups)    %10.0f sentences/s\n", n / hit);
  std::printf("filled cache / cold encode %10.2fx\n", best / hit);
}

// The MiniLM-L6-shaped random BERT, written once (to a temporary name, then renamed, so a
// concurrent run never reads half a file).
fs::path bench_model() {
  const fs::path path = mop::embed::default_cache_dir() / "bench" / "minilm-l6-random-bge.gguf";
  if (!fs::exists(path)) {
    fs::create_directories(path.parent_path());
    const fs::path tmp = path.string() + ".tmp" + std::to_string(::getpid());
    mop::test::write_tiny_bert(tmp.string(), mop::test::minilm_l6_shape());
    fs::rename(tmp, path);
  }
  return path;
}

void bench_gguf(const std::vector<std::string>& texts, int threads) {
  const double n = static_cast<double>(texts.size());
  std::printf("\n== GGUF encoder: random BERT, MiniLM-L6 shape (6 x 384, 12 heads, ffn 1536), F32 ==\n");
  auto t0 = Clock::now();
  mop::embed::GgufEncoderOptions o;
  o.model = bench_model().string();
  o.n_threads = threads;
  std::printf("model                      %s\n", o.model.c_str());
  auto encoder = std::make_shared<mop::embed::GgufEncoder>(o);
  std::printf("load model                 %10.1f ms\n", 1e3 * seconds_since(t0));
  std::size_t tokens = 0;
  for (const auto& t : texts) tokens += encoder->tokenize(t).size();
  std::printf("tokens (with [CLS] [SEP])  %10zu (%.1f per sentence)\n", tokens, static_cast<double>(tokens) / n);
  std::printf("batch                      %10d texts, %d tokens per call; %d threads\n", o.batch_size, o.n_batch,
              threads > 0 ? threads : static_cast<int>(std::thread::hardware_concurrency()));

  t0 = Clock::now();
  encoder->encode(texts);
  const double cold = seconds_since(t0);
  std::printf("cold encode                %10.0f sentences/s (%.0f tokens/s)\n", n / cold, static_cast<double>(tokens) / cold);
  const auto [fill, hit] = time_cache(encoder, texts, "gguf");
  std::printf("cache, empty (encode+store)%10.0f sentences/s\n", n / fill);
  std::printf("cache, filled (lookups)    %10.0f sentences/s\n", n / hit);
  std::printf("filled cache / cold encode %10.0fx\n", cold / hit);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const fs::path data = argc > 1 ? fs::path(argv[1]) : default_data();
    const int threads = argc > 2 ? std::stoi(argv[2]) : 0;
    const auto texts = read_texts(data, 10000);
    std::printf("embed_throughput: %zu SST-2 sentences from %s\n", texts.size(), data.string().c_str());
    bench_glove(texts);
    bench_gguf(texts, threads);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "embed_throughput: %s\n", e.what());
    return 1;
  }
}
