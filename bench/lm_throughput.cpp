// bench/lm_throughput: the LM layer's speed on the work MoP gives it.
//   1. Scoring a MoP-shaped batch (64 targets sharing 4 persona+exemplar prompts), with prefix
//      sharing (one call) and without (each pair scored on its own): scored tokens/s and ratio.
//   2. Generation at 1, 8 and 32 parallel sequences, beside llama.cpp's own llama-batched-bench on
//      the same model, same threads, in the same run, as ratios: the whole call's prompt and
//      generated tokens/s against its S, and the decode steps' generated tokens/s (the call's time
//      less the same call at one token, so prompt processing cancels) against its S_TG;
//      scoring's decoded tokens/s beside its S_PP at the prompts' length.
//   3. Long texts (issue 17): scoring continuations of LONG_C tokens under prompts of LONG_P tokens
//      (8 continuations a prompt), and generating LONG_C tokens after distinct LONG_P-token prompts,
//      8 and 32 in flight, beside llama-batched-bench at the same lengths (S_PP at LONG_P + LONG_C;
//      S, prompt and generated tokens together). Invariant kernels only. On the story model by
//      default; on the 360M shape with --long-big (minutes).
// Generation and long texts have a second anchor: batched-bench with one unified KV cache (-kvu),
// beside its default of one cache per sequence. mop's generation runs in both layouts: the shared
// cache (--kv-layout shared, scoring's layout) and one stream per sequence (the default).
// Both with mop's batch-invariant CPU kernels (the default) and with ggml's fast choice
// (--kernels fast), so the cost of invariance is measured in the same run (docs/numerics.md).
// Models: ../shared/models/stories260K.gguf and a random-weight model of realistic shape
// (SmolLM-360M: 32 layers, 960 wide, 49,152-token vocabulary, F16) that this program writes once
// into the cache. Usage: lm_throughput [--model PATH]... [--threads N] [--skip-big] [--tg N]
//   [--long LONG_P,LONG_C (default 1024,1024)] [--skip-long] [--long-big] [--batched-bench EXE]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <utility>
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
  int pp, tg, pl;
  double s_pp, s_tg, s;
};

// Runs llama.cpp's llama-batched-bench (its defaults otherwise: one KV stream per sequence) and
// reads its table rows (PP, TG, B, N_KV, T_PP s, S_PP t/s, T_TG s, S_TG t/s, T s, S t/s).
// `unified`: one KV cache shared by all sequences (-kvu), mop's layout; batched-bench's default
// gives each sequence its own cache (stream), so a token attends only over its own sequence.
std::vector<BatchedBenchRow> run_batched_bench(const std::string& exe, const std::string& model, int threads, int ctx, int npp, int ntg,
                                               const std::string& npl, bool unified = false) {
  if (exe.empty()) return {};
  std::ostringstream cmd;
  cmd << exe << " -m " << model << " -c " << ctx << " -b 512 -ub 512 -npp " << npp << " -ntg " << ntg << " -npl " << npl << " -t "
      << threads << " -tb " << threads << (unified ? " -kvu" : "");
  std::cerr << "running " << cmd.str() << "\n";
  cmd << " 2>&1";
  // batched-bench prints its rows through llama.cpp's asynchronous log, which now and then exits
  // before the last row is written (exit status 0): such a run is repeated, up to 3 times.
  const size_t expected = static_cast<size_t>(std::count(npl.begin(), npl.end(), ',')) + 1;
  std::vector<BatchedBenchRow> rows;
  for (int attempt = 0; attempt < 3 && rows.size() < expected; ++attempt) {
    rows.clear();
    FILE* p = popen(cmd.str().c_str(), "r");
    if (!p) return rows;
    char line[1024];
    while (fgets(line, sizeof line, p)) {
      int pp, tg, b, nkv;
      double t_pp, s_pp, t_tg, s_tg, t, s;
      if (std::sscanf(line, "| %d | %d | %d | %d | %lf | %lf | %lf | %lf | %lf | %lf |", &pp, &tg, &b, &nkv, &t_pp, &s_pp, &t_tg,
                      &s_tg, &t, &s) == 10)
        rows.push_back({pp, tg, b, s_pp, s_tg, s});
    }
    const int status = pclose(p);
    if (rows.size() < expected)
      std::cerr << "llama-batched-bench gave " << rows.size() << " of " << expected << " rows (exit status " << status << ")\n";
  }
  return rows;
}

const BatchedBenchRow* row_for(const std::vector<BatchedBenchRow>& rows, int pl) {
  for (const auto& r : rows)
    if (r.pl == pl) return &r;
  return nullptr;
}

// Two table cells: the anchor's figure and mop's ratio to it ("(not run)" without an anchor).
std::string anchor_cells(const BatchedBenchRow* r, double BatchedBenchRow::*field, double mine) {
  if (!r) return "(not run) | ";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f | %.2f", r->*field, mine / (r->*field));
  return buf;
}

// Generation at one count of sequences: over the whole call, and over its decode steps alone.
struct GenFigures {
  double whole_tps = 0;  // (prompt + generated tokens) / the call's time, as batched-bench's S counts
  double step_tps = 0;   // generated tokens / the decode steps' time, as batched-bench's S_TG counts
};

struct ModeFigures {
  double shared_tps = 0, unshared_tps = 0, max_diff = 0;
  double shared_decoded_tps = 0;  // every token decoded (prompts and continuations) per second
  int prompt_tokens = 0;          // tokens of one scoring prompt
  int gen_prompt_tokens = 0;      // tokens of one generation prompt
  std::vector<GenFigures> gen;    // the shared cache, at 1, 8, 32 sequences
  bool same_text = true;          // each sequence's text at 32 in flight equals its text alone
  std::vector<GenFigures> streams;  // --kv-layout streams, at 1, 8, 32 sequences
  bool streams_same_text = true;    // every text as in the shared cache
  double streams_score_tps = 0, streams_decoded_tps = 0;  // scoring in streams: targets/s, decoded tokens/s
  bool streams_same_scores = true;                         // every score as in the shared cache
};

std::vector<GenerateRequest> story_requests(int n, int ntg) {
  std::vector<GenerateRequest> reqs;
  for (int i = 0; i < n; ++i) {
    GenerateRequest r;
    r.prompt = "Once upon a time there was a";
    r.sampling.max_tokens = ntg;
    r.sampling.seed = stream_seed(1, i);
    r.sampling.ignore_eos = true;
    reqs.push_back(r);
  }
  return reqs;
}

double median_of_3(double a, double b, double c) { return std::max(std::min(a, b), std::min(std::max(a, b), c)); }

// Seconds of one generate() call; `out` gets its results.
double time_generate(LlamaModel& model, const std::vector<GenerateRequest>& reqs, std::vector<Generation>* out) {
  const auto t0 = Clock::now();
  *out = model.generate(reqs, {});
  return seconds_since(t0);
}

// Generation figures of `reqs` (after a warm-up call of one request), each time the median of 3
// calls. The decode steps' time is the call's less the same call at max_tokens 1 (prompts fed,
// the first token drawn from their logits), so prompt processing cancels, as S_TG leaves it out:
// ntg - 1 steps for ntg - 1 tokens a sequence. `out` gets the texts of the full call.
GenFigures generation_figures(LlamaModel& model, const std::vector<GenerateRequest>& reqs, std::vector<Generation>* out) {
  model.generate({reqs[0]}, {});  // warm-up
  auto first = reqs;
  for (auto& r : first) r.sampling.max_tokens = 1;
  std::vector<Generation> g1;
  double full[3], one[3];
  for (int i = 0; i < 3; ++i) {
    full[i] = time_generate(model, reqs, out);
    one[i] = time_generate(model, first, &g1);
  }
  const double t_full = median_of_3(full[0], full[1], full[2]);
  const double t_one = median_of_3(one[0], one[1], one[2]);
  size_t prompt_tokens = 0, generated = 0;
  for (const auto& r : reqs) prompt_tokens += model.tokenize_prompt(r.prompt).size();
  for (const auto& x : *out) generated += static_cast<size_t>(x.n_tokens);
  GenFigures f;
  f.whole_tps = static_cast<double>(prompt_tokens + generated) / t_full;
  f.step_tps = static_cast<double>(generated - reqs.size()) / std::max(t_full - t_one, 1e-9);
  return f;
}

ModeFigures run_mode(const std::string& path, int threads, int ntg, bool invariant) {
  LlamaOptions o;
  o.model = path;
  o.n_threads = threads;
  o.n_ctx = 8192;
  o.n_batch = 512;
  o.n_parallel = 64;
  o.invariant_kernels = invariant;
  o.kv_streams = false;  // the shared cache first; the streams (the default) for generation below
  LlamaModel model(o);
  ModeFigures f;

  // Scoring.
  auto batch = mop_batch();
  for (auto& r : batch) r.prompt = model.render(r.prompt.substr(0, r.prompt.find('.') + 1), r.prompt.substr(r.prompt.find('.') + 1));
  size_t target_tokens = 0;
  for (const auto& r : batch) target_tokens += model.tokenize_text(r.continuation).size();
  f.prompt_tokens = static_cast<int>(model.tokenize_prompt(batch[0].prompt).size());
  model.score({batch[0]}, {});  // warm-up
  const uint64_t decoded_before = model.decoded_tokens();
  auto t0 = Clock::now();
  const auto shared = model.score(batch, {});
  const double shared_s = seconds_since(t0);
  f.shared_tps = target_tokens / shared_s;
  f.shared_decoded_tps = static_cast<double>(model.decoded_tokens() - decoded_before) / shared_s;
  t0 = Clock::now();
  std::vector<Score> unshared;
  for (const auto& r : batch) unshared.push_back(model.score({r}, {})[0]);
  f.unshared_tps = target_tokens / seconds_since(t0);
  for (size_t i = 0; i < batch.size(); ++i) f.max_diff = std::max(f.max_diff, std::abs(shared[i].logprob - unshared[i].logprob));

  // Generation, in the shared cache and (invariant kernels) one stream per sequence.
  std::unique_ptr<LlamaModel> streams;
  {
    o.kv_streams = true;
    // Generation: 32 streams of the sequences' length; scoring: the prompt's and one per target
    // (64), each of 256 cells (a prompt and its target).
    o.n_ctx = std::max(32 * ((8 + ntg + 255) / 256 * 256), 65 * ((f.prompt_tokens + 64 + 255) / 256 * 256));
    streams = std::make_unique<LlamaModel>(o);
    streams->score({batch[0]}, {});  // warm-up
    const uint64_t before = streams->decoded_tokens();
    t0 = Clock::now();
    const auto in_streams = streams->score(batch, {});
    const double s = seconds_since(t0);
    f.streams_score_tps = target_tokens / s;
    f.streams_decoded_tps = static_cast<double>(streams->decoded_tokens() - before) / s;
    for (size_t i = 0; i < batch.size(); ++i) f.streams_same_scores = f.streams_same_scores && in_streams[i].logprob == shared[i].logprob;
  }
  f.gen_prompt_tokens = static_cast<int>(model.tokenize_prompt(story_requests(1, ntg)[0].prompt).size());
  for (int n : {1, 8, 32}) {
    const auto reqs = story_requests(n, ntg);
    std::vector<Generation> g, gs;
    f.gen.push_back(generation_figures(model, reqs, &g));
    if (n == 32)
      for (int i = 0; i < 4; ++i) f.same_text = f.same_text && model.generate({reqs[i]}, {})[0].text == g[i].text;
    if (!streams) continue;
    f.streams.push_back(generation_figures(*streams, reqs, &gs));
    for (size_t i = 0; i < g.size(); ++i) f.streams_same_text = f.streams_same_text && gs[i].text == g[i].text;
  }
  return f;
}

// Text of about `n` tokens, different from the first word for each `id` (no prefix is shared).
std::string text_of_tokens(LlamaModel& model, int n, int id) {
  static const char* words[] = {"the", "little", "dog", "ran", "to", "a", "big", "tree", "and", "saw", "bird", "who",
                                "sang", "happy", "song", "every", "day", "sun", "was", "warm", "girl", "named", "Lily",
                                "wanted", "play", "with", "her", "friend", "in", "park", "they", "found", "ball"};
  const int n_words = static_cast<int>(sizeof words / sizeof *words);
  std::string text = "Story " + std::to_string(id) + ":";
  uint64_t state = stream_seed(7, static_cast<uint64_t>(id));
  while (static_cast<int>(model.tokenize_text(text).size()) < n)
    for (int k = 0; k < 32; ++k) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      text += std::string(" ") + words[(state >> 33) % n_words];
    }
  return text;
}

struct LongFigures {
  int in_flight;
  double score_tps, gen_tps;  // decoded tokens/s; prompt and generated tokens/s
  double streams_gen_tps;     // the same generation with --kv-layout streams
  bool streams_same_text;
  double streams_score_tps;   // the same scoring with --kv-layout streams
  bool streams_same_scores;
  bool streams_ran = true;    // both calls ran in streams (not the shared cache, for want of room)
};

// The long-text case at `in_flight` sequences, invariant kernels.
LongFigures run_long(const std::string& path, int threads, int in_flight, int long_p, int long_c) {
  LlamaOptions o;
  o.model = path;
  o.n_threads = threads;
  o.n_ctx = in_flight * (long_p + long_c) + long_p + 256;
  o.n_batch = 512;
  o.n_parallel = in_flight;
  o.kv_streams = false;  // the shared cache first; the streams (the default) for generation below
  LlamaModel model(o);
  LongFigures f{in_flight, 0, 0, 0, true, 0, true};

  // Scoring: 8 continuations under each prompt, so that `in_flight` are decoded together.
  std::vector<ScoreRequest> batch;
  for (int i = 0; i < in_flight; ++i)
    batch.push_back({text_of_tokens(model, long_p, 1000 + i / 8), " " + text_of_tokens(model, long_c, i), 1.0});
  model.score({{"Once", " upon a time", 1.0}}, {});  // warm-up
  uint64_t before = model.decoded_tokens();
  auto t0 = Clock::now();
  const auto scores = model.score(batch, {});
  f.score_tps = static_cast<double>(model.decoded_tokens() - before) / seconds_since(t0);

  // Generation: distinct prompts, LONG_C tokens each, end-of-text banned.
  std::vector<GenerateRequest> reqs;
  for (int i = 0; i < in_flight; ++i) {
    GenerateRequest r;
    r.prompt = text_of_tokens(model, long_p, 2000 + i);
    r.sampling.max_tokens = long_c;
    r.sampling.seed = stream_seed(1, static_cast<uint64_t>(i));
    r.sampling.ignore_eos = true;
    reqs.push_back(r);
  }
  size_t tokens = 0;  // prompt and generated tokens, as llama-batched-bench's S counts them
  for (const auto& r : reqs) tokens += model.tokenize_prompt(r.prompt).size();
  t0 = Clock::now();
  const auto g = model.generate(reqs, {});
  const double t = seconds_since(t0);
  for (const auto& x : g) tokens += static_cast<size_t>(x.n_tokens);
  f.gen_tps = static_cast<double>(tokens) / t;

  o.kv_streams = true;
  // Scoring's streams: the prompt's and one per continuation (generation: one fewer), each of the
  // longest sequence (the texts run a few tokens over their lengths, BOS too).
  o.n_ctx = (in_flight + 1) * ((long_p + long_c + 64 + 255) / 256 * 256);
  LlamaModel streams(o);
  streams.score({{"Once", " upon a time", 1.0}}, {});  // warm-up
  before = streams.decoded_tokens();
  t0 = Clock::now();
  const auto streams_scores = streams.score(batch, {});
  f.streams_score_tps = static_cast<double>(streams.decoded_tokens() - before) / seconds_since(t0);
  f.streams_ran = streams.kv_streams() > 0;
  for (size_t i = 0; i < scores.size(); ++i) f.streams_same_scores = f.streams_same_scores && streams_scores[i].logprob == scores[i].logprob;
  streams.generate({reqs[0]}, {});  // warm-up (and the streams' context)
  t0 = Clock::now();
  const auto gs = streams.generate(reqs, {});
  f.streams_gen_tps = static_cast<double>(tokens) / seconds_since(t0);
  f.streams_ran = f.streams_ran && streams.kv_streams() > 0;
  for (size_t i = 0; i < g.size(); ++i) f.streams_same_text = f.streams_same_text && gs[i].text == g[i].text;
  return f;
}

void bench_long(const std::string& path, int threads, int long_p, int long_c, const std::string& batched_bench) {
  std::vector<LongFigures> figures;
  for (int n : {8, 32}) figures.push_back(run_long(path, threads, n, long_p, long_c));
  const int total = long_p + long_c;
  const auto ref_score = run_batched_bench(batched_bench, path, threads, 32 * (total + 1) + 256, total, 1, "8,32");
  const auto ref_gen = run_batched_bench(batched_bench, path, threads, 32 * total + 256, long_p, long_c, "8,32");
  const auto ref_score_u = run_batched_bench(batched_bench, path, threads, 32 * (total + 1) + 256, total, 1, "8,32", true);
  const auto ref_gen_u = run_batched_bench(batched_bench, path, threads, 32 * total + 256, long_p, long_c, "8,32", true);
  std::printf("\nlong texts: scoring %d-token continuations under %d-token prompts (8 a prompt), generating %d tokens after\n"
              "distinct %d-token prompts; llama-batched-bench at the same lengths (S_PP at pp %d; S at pp %d, tg %d)\n",
              long_c, long_p, long_c, long_p, total, long_p, long_c);
  std::printf("| work | in flight | mop t/s | llama-batched-bench t/s | mop / anchor | batched-bench, one unified cache (-kvu) t/s "
              "| mop / unified anchor |\n|---|---|---|---|---|---|---|\n");
  for (const auto& f : figures) {
    if (!f.streams_ran) std::printf("| (streams did not fit their budget: the streams rows ran in the shared cache) | %d | | | | | |\n", f.in_flight);
    std::printf("| scoring, streams (the default; same scores: %s), decoded tokens | %d | %.0f | %s | %s |\n",
                f.streams_same_scores ? "yes" : "NO", f.in_flight, f.streams_score_tps,
                anchor_cells(row_for(ref_score, f.in_flight), &BatchedBenchRow::s_pp, f.streams_score_tps).c_str(),
                anchor_cells(row_for(ref_score_u, f.in_flight), &BatchedBenchRow::s_pp, f.streams_score_tps).c_str());
    std::printf("| scoring, shared cache, decoded tokens | %d | %.0f | %s | %s |\n", f.in_flight, f.score_tps,
                anchor_cells(row_for(ref_score, f.in_flight), &BatchedBenchRow::s_pp, f.score_tps).c_str(),
                anchor_cells(row_for(ref_score_u, f.in_flight), &BatchedBenchRow::s_pp, f.score_tps).c_str());
    std::printf("| generation, shared cache, prompt + generated tokens | %d | %.0f | %s | %s |\n", f.in_flight, f.gen_tps,
                anchor_cells(row_for(ref_gen, f.in_flight), &BatchedBenchRow::s, f.gen_tps).c_str(),
                anchor_cells(row_for(ref_gen_u, f.in_flight), &BatchedBenchRow::s, f.gen_tps).c_str());
    std::printf("| generation, streams (the default; same text: %s) | %d | %.0f | %s | %s |\n", f.streams_same_text ? "yes" : "NO",
                f.in_flight, f.streams_gen_tps,
                anchor_cells(row_for(ref_gen, f.in_flight), &BatchedBenchRow::s, f.streams_gen_tps).c_str(),
                anchor_cells(row_for(ref_gen_u, f.in_flight), &BatchedBenchRow::s, f.streams_gen_tps).c_str());
  }
}

void bench_model(const std::string& path, int threads, int ntg, const std::string& batched_bench) {
  std::cout << "\n## " << std::filesystem::path(path).filename().string() << "  (threads " << threads << ")\n\n";
  const ModeFigures inv = run_mode(path, threads, ntg, true);
  const ModeFigures fast = run_mode(path, threads, ntg, false);
  const auto reference = run_batched_bench(batched_bench, path, threads, 8192, 8, ntg, "1,8,32");
  const auto reference_u = run_batched_bench(batched_bench, path, threads, 8192, 8, ntg, "1,8,32", true);
  // Scoring's anchor: prompt processing of 4 sequences of the prompts' length.
  const auto ref_pp = run_batched_bench(batched_bench, path, threads, 8192, inv.prompt_tokens, 1, "4");

  std::printf("scoring: 64 targets under 4 prompts of %d tokens; kernels invariant (mop's default) and fast (--kernels fast)\n",
              inv.prompt_tokens);
  std::printf("| layout, kernels | shared tokens/s | unshared tokens/s | sharing speed-up | largest score difference shared vs alone "
              "| shared, decoded tokens/s | llama-batched-bench S_PP t/s | decoded / S_PP |\n"
              "|---|---|---|---|---|---|---|---|\n");
  const auto* pp = row_for(ref_pp, 4);
  for (const auto* m : {&inv, &fast})
    std::printf("| streams (the default), %s | %.0f | | | shared cache's scores: %s | %.0f | %s |\n", m == &inv ? "invariant" : "fast",
                m->streams_score_tps, m->streams_same_scores ? "yes" : (m == &inv ? "NO" : "no"), m->streams_decoded_tps,
                anchor_cells(pp, &BatchedBenchRow::s_pp, m->streams_decoded_tps).c_str());
  for (const auto* m : {&inv, &fast}) {
    std::printf("| shared cache, %s | %.0f | %.0f | %.2fx | %.2e | %.0f | %s |\n", m == &inv ? "invariant" : "fast", m->shared_tps,
                m->unshared_tps, m->shared_tps / m->unshared_tps, m->max_diff, m->shared_decoded_tps,
                anchor_cells(pp, &BatchedBenchRow::s_pp, m->shared_decoded_tps).c_str());
  }
  std::printf("invariant / fast, shared scoring: %.2f (goal: sharing speed-up >= 2x, difference 0; decoded / S_PP >= 0.95)\n\n",
              inv.shared_tps / fast.shared_tps);

  std::printf("generation: %d tokens per sequence after %d-token prompts, end-of-text banned; whole call: (prompt + generated\n"
              "tokens) / time, against batched-bench's S; decode steps: generated tokens / (the call's time less the same call\n"
              "at 1 token), against S_TG (goal: streams, invariant / S_TG >= 0.95); each mop time the median of 3 calls\n",
              ntg, inv.gen_prompt_tokens);
  std::printf("| sequences | layout, kernels | whole call t/s | llama-batched-bench S t/s | whole / S | decode steps t/s "
              "| S_TG t/s | steps / S_TG | S_TG, one unified cache (-kvu) t/s | steps / unified S_TG |\n"
              "|---|---|---|---|---|---|---|---|---|---|\n");
  const int ns[] = {1, 8, 32};
  for (int k = 0; k < 3; ++k) {
    const std::pair<const char*, const GenFigures*> rows[] = {
        {"streams (the default), invariant", &inv.streams[k]}, {"streams, fast", &fast.streams[k]},
        {"shared, invariant", &inv.gen[k]}, {"shared, fast", &fast.gen[k]}};
    for (const auto& [name, g] : rows) {
      std::printf("| %d | %s | %.0f | %s | %.0f | %s | %s |\n", ns[k], name, g->whole_tps,
                  anchor_cells(row_for(reference, ns[k]), &BatchedBenchRow::s, g->whole_tps).c_str(), g->step_tps,
                  anchor_cells(row_for(reference, ns[k]), &BatchedBenchRow::s_tg, g->step_tps).c_str(),
                  anchor_cells(row_for(reference_u, ns[k]), &BatchedBenchRow::s_tg, g->step_tps).c_str());
    }
  }
  std::printf("streams: the shared cache's text for every sequence: invariant %s, fast %s\n", inv.streams_same_text ? "yes" : "NO",
              fast.streams_same_text ? "yes" : "no");
  std::printf("same text alone as among 32 in flight (4 sequences checked): invariant %s, fast %s\n", inv.same_text ? "yes" : "NO",
              fast.same_text ? "yes" : "no");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> models;
  int threads = 2, ntg = 64, long_p = 1024, long_c = 1024;
  bool skip_big = false, skip_long = false, long_big = false;
  std::string batched_bench = std::string(MOP_BUILD_DIR) + "/bin/llama-batched-bench";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--model" && i + 1 < argc) models.push_back(argv[++i]);
    else if (a == "--threads" && i + 1 < argc) threads = std::stoi(argv[++i]);
    else if (a == "--tg" && i + 1 < argc) ntg = std::stoi(argv[++i]);
    else if (a == "--skip-big") skip_big = true;
    else if (a == "--skip-long") skip_long = true;
    else if (a == "--long-big") long_big = true;
    else if (a == "--long" && i + 1 < argc && std::sscanf(argv[i + 1], "%d,%d", &long_p, &long_c) == 2 && long_p > 0 && long_c > 0) ++i;
    else if (a == "--batched-bench" && i + 1 < argc) batched_bench = argv[++i];
    else {
      std::cerr << "usage: lm_throughput [--model PATH]... [--threads N] [--tg N] [--skip-big] [--long P,C] [--skip-long] [--long-big]"
                   " [--batched-bench EXE]\n";
      return 1;
    }
  }
  if (!std::filesystem::exists(batched_bench)) {
    std::cerr << "note: " << batched_bench << " not found (cmake --build build --target llama-batched-bench); no reference column\n";
    batched_bench.clear();
  }
  std::vector<std::string> long_models;
  if (models.empty()) {
    models.push_back(mop::test::stories_model());
    long_models.push_back(models.back());
    if (!skip_big) models.push_back(big_model_path());
    if (long_big) long_models.push_back(big_model_path());
  } else {
    long_models = models;
  }
  std::cout << "# lm_throughput\n";
  for (const auto& m : models) {
    bench_model(m, threads, ntg, batched_bench);
    if (!skip_long && std::find(long_models.begin(), long_models.end(), m) != long_models.end())
      bench_long(m, threads, long_p, long_c, batched_bench);
  }
  return 0;
}
