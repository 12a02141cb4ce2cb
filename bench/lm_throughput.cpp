// bench/lm_throughput: the LM layer's speed on the work MoP gives it.
//   1. Scoring a MoP-shaped batch (64 targets sharing 4 persona+exemplar prompts), with prefix
//      sharing (one call) and without (each pair scored on its own): scored tokens/s and ratio.
//   2. Generation at 1, 8 and 32 parallel sequences: generated tokens/s, beside llama.cpp's own
//      llama-batched-bench on the same model, same threads, in the same run, as a ratio.
// Both with mop's batch-invariant CPU kernels (the default) and with ggml's fast choice
// (--kernels fast), so the cost of invariance is measured in the same run (docs/numerics.md).
// Models: ../shared/models/stories260K.gguf and a random-weight model of realistic shape
// (SmolLM-360M: 32 layers, 960 wide, 49,152-token vocabulary, F16) that this program writes once
// into the cache. Usage: lm_throughput [--model PATH]... [--threads N] [--skip-big] [--tg N]
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "lm/llama_model.h"
#include "lm/model_source.h"
#include "support/paths.h"
#include "support/tiny_gguf.h"

using namespace mop::lm;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string big_model_path() {
  const auto dir = default_model_cache_dir().parent_path() / "bench";
  std::filesystem::create_directories(dir);
  const auto path = dir / "random-smollm-360m-f16.gguf";
  if (!std::filesystem::exists(path)) {
    mop::test::TinyLlamaShape s;
    s.n_embd = 960;
    s.n_layer = 32;
    s.n_head = 15;
    s.n_head_kv = 5;
    s.n_ff = 2560;
    s.f16 = true;
    const std::string vocab = mop::test::llama_vocab_file("starcoder");  // 49,152 tokens
    std::cerr << "writing " << path << " ("
              << mop::test::tiny_llama_params(s, 49152) / 1e6 << "M parameters)...\n";
    const auto tmp = path.string() + ".tmp";
    mop::test::write_tiny_llama(tmp, vocab, s, "-");
    std::filesystem::rename(tmp, path);
  }
  return path.string();
}

// A MoP training batch: 4 (persona, exemplar) prompts, 16 records' responses scored under each.
std::vector<ScoreRequest> mop_batch() {
  const std::vector<std::string> personas = {
      "You are a retired teacher who writes long, careful reviews and notices small details.",
      "You are a busy student who writes short, blunt opinions in casual language.",
      "You are a film buff who compares every movie to the classics and loves cinematography.",
      "You are a parent who cares about whether a film is suitable for the whole family."};
  const std::string exemplar =
      " Here is an example of a review you wrote: \"The story was slow at first, but the last hour"
      " made up for it with a twist nobody saw coming, and the music stayed with me for days.\""
      " Now write a new review of the movie.\n";
  const std::vector<std::string> responses = {
      "I loved every minute of it and would watch it again.", "Too long, and the jokes fell flat for me.",
      "The acting was superb, especially the lead.", "A beautiful film with a weak script.",
      "My kids were bored after twenty minutes.", "Not as good as the original, but close.",
      "The soundtrack alone is worth the ticket.", "I expected more from such a famous director.",
      "Funny, warm and surprisingly moving.", "The plot made no sense by the end.",
      "Great effects, thin characters.", "One of the best films I have seen this year.",
      "It was fine, nothing special.", "The ending ruined it for me.", "A perfect family movie night.",
      "Gorgeous to look at, hard to care about."};
  std::vector<ScoreRequest> out;
  for (const auto& p : personas)
    for (const auto& r : responses) out.push_back({p + exemplar, " " + r, 0.6});
  return out;
}

struct BatchedBenchRow {
  int pl;
  double s_tg, s;
};

// Runs llama.cpp's llama-batched-bench and reads its table rows (PP, TG, B, ..., S_TG t/s, T s, S t/s).
std::vector<BatchedBenchRow> run_batched_bench(const std::string& exe, const std::string& model, int threads, int npp, int ntg) {
  std::ostringstream cmd;
  cmd << exe << " -m " << model << " -c 8192 -b 512 -ub 512 -npp " << npp << " -ntg " << ntg
      << " -npl 1,8,32 -t " << threads << " -tb " << threads << " 2>&1";
  std::vector<BatchedBenchRow> rows;
  FILE* p = popen(cmd.str().c_str(), "r");
  if (!p) return rows;
  char line[1024];
  while (fgets(line, sizeof line, p)) {
    int pp, tg, b, nkv;
    double t_pp, s_pp, t_tg, s_tg, t, s;
    if (std::sscanf(line, "| %d | %d | %d | %d | %lf | %lf | %lf | %lf | %lf | %lf |", &pp, &tg, &b, &nkv, &t_pp, &s_pp, &t_tg,
                    &s_tg, &t, &s) == 10)
      rows.push_back({b, s_tg, s});
  }
  pclose(p);
  return rows;
}

struct ModeFigures {
  double shared_tps = 0, unshared_tps = 0, max_diff = 0;
  std::vector<double> gen_tps;   // at 1, 8, 32 sequences
  bool same_text = true;         // each sequence's text at 32 in flight equals its text alone
};

ModeFigures run_mode(const std::string& path, int threads, int ntg, bool invariant) {
  LlamaOptions o;
  o.model = path;
  o.n_threads = threads;
  o.n_ctx = 8192;
  o.n_batch = 512;
  o.n_parallel = 64;
  o.invariant_kernels = invariant;
  LlamaModel model(o);
  ModeFigures f;

  // Scoring.
  auto batch = mop_batch();
  for (auto& r : batch) r.prompt = model.render(r.prompt.substr(0, r.prompt.find('.') + 1), r.prompt.substr(r.prompt.find('.') + 1));
  size_t target_tokens = 0;
  for (const auto& r : batch) target_tokens += model.tokenize_text(r.continuation).size();
  model.score({batch[0]}, {});  // warm-up
  auto t0 = Clock::now();
  const auto shared = model.score(batch, {});
  f.shared_tps = target_tokens / seconds_since(t0);
  t0 = Clock::now();
  std::vector<Score> unshared;
  for (const auto& r : batch) unshared.push_back(model.score({r}, {})[0]);
  f.unshared_tps = target_tokens / seconds_since(t0);
  for (size_t i = 0; i < batch.size(); ++i) f.max_diff = std::max(f.max_diff, std::abs(shared[i].logprob - unshared[i].logprob));

  // Generation.
  std::vector<Generation> alone;
  for (int n : {1, 8, 32}) {
    std::vector<GenerateRequest> reqs;
    for (int i = 0; i < n; ++i) {
      GenerateRequest r;
      r.prompt = "Once upon a time there was a";
      r.sampling.max_tokens = ntg;
      r.sampling.seed = stream_seed(1, i);
      r.sampling.ignore_eos = true;
      reqs.push_back(r);
    }
    model.generate({reqs[0]}, {});  // warm-up
    t0 = Clock::now();
    const auto g = model.generate(reqs, {});
    const double t = seconds_since(t0);
    size_t tokens = 0;
    for (const auto& x : g) tokens += x.n_tokens;
    f.gen_tps.push_back(tokens / t);
    if (n == 32)
      for (int i = 0; i < 4; ++i) f.same_text = f.same_text && model.generate({reqs[i]}, {})[0].text == g[i].text;
  }
  return f;
}

void bench_model(const std::string& path, int threads, int ntg, const std::string& batched_bench) {
  std::cout << "\n## " << std::filesystem::path(path).filename().string() << "  (threads " << threads << ")\n\n";
  const ModeFigures inv = run_mode(path, threads, ntg, true);
  const ModeFigures fast = run_mode(path, threads, ntg, false);
  const auto reference = batched_bench.empty() ? std::vector<BatchedBenchRow>{}
                                               : run_batched_bench(batched_bench, path, threads, 8, ntg);

  std::printf("scoring: 64 targets under 4 prompts; kernels invariant (mop's default) and fast (--kernels fast)\n");
  std::printf("| kernels | shared tokens/s | unshared tokens/s | sharing speed-up | largest score difference shared vs alone |\n"
              "|---|---|---|---|---|\n");
  for (const auto* m : {&inv, &fast})
    std::printf("| %s | %.0f | %.0f | %.2fx | %.2e |\n", m == &inv ? "invariant" : "fast", m->shared_tps, m->unshared_tps,
                m->shared_tps / m->unshared_tps, m->max_diff);
  std::printf("invariant / fast, shared scoring: %.2f (goal: sharing speed-up >= 2x, difference 0)\n\n", inv.shared_tps / fast.shared_tps);

  std::printf("generation: %d tokens per sequence, 8-token prompts, end-of-text banned\n", ntg);
  std::printf("| sequences | invariant t/s | fast t/s | invariant / fast | llama-batched-bench S_TG t/s | invariant / S_TG |\n"
              "|---|---|---|---|---|---|\n");
  const int ns[] = {1, 8, 32};
  for (int k = 0; k < 3; ++k) {
    double ref = 0;
    for (const auto& row : reference)
      if (row.pl == ns[k]) ref = row.s_tg;
    if (ref > 0)
      std::printf("| %d | %.0f | %.0f | %.2f | %.0f | %.2f |\n", ns[k], inv.gen_tps[k], fast.gen_tps[k], inv.gen_tps[k] / fast.gen_tps[k], ref,
                  inv.gen_tps[k] / ref);
    else
      std::printf("| %d | %.0f | %.0f | %.2f | (not run) | |\n", ns[k], inv.gen_tps[k], fast.gen_tps[k], inv.gen_tps[k] / fast.gen_tps[k]);
  }
  std::printf("same text alone as among 32 in flight (4 sequences checked): invariant %s, fast %s\n", inv.same_text ? "yes" : "NO",
              fast.same_text ? "yes" : "no");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> models;
  int threads = 2, ntg = 64;
  bool skip_big = false;
  std::string batched_bench = std::string(MOP_BUILD_DIR) + "/bin/llama-batched-bench";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--model" && i + 1 < argc) models.push_back(argv[++i]);
    else if (a == "--threads" && i + 1 < argc) threads = std::stoi(argv[++i]);
    else if (a == "--tg" && i + 1 < argc) ntg = std::stoi(argv[++i]);
    else if (a == "--skip-big") skip_big = true;
    else if (a == "--batched-bench" && i + 1 < argc) batched_bench = argv[++i];
    else {
      std::cerr << "usage: lm_throughput [--model PATH]... [--threads N] [--tg N] [--skip-big] [--batched-bench EXE]\n";
      return 1;
    }
  }
  if (!std::filesystem::exists(batched_bench)) {
    std::cerr << "note: " << batched_bench << " not found (cmake --build build --target llama-batched-bench); no reference column\n";
    batched_bench.clear();
  }
  if (models.empty()) {
    models.push_back(mop::test::stories_model());
    if (!skip_big) models.push_back(big_model_path());
  }
  std::cout << "# lm_throughput\n";
  for (const auto& m : models) bench_model(m, threads, ntg, batched_bench);
  return 0;
}
