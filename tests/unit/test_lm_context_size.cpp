// --ctx auto: the llama.cpp backend sizes its KV cache to each call's work (the sequences
// --parallel puts in flight at once, at their lengths) within a memory limit, says what it chose,
// and says when the cache makes fewer sequences run together than --parallel allows. A bigger
// cache must not change any result (cells are visited in order, unused ones skipped).
#include <gtest/gtest.h>

#include "llama.h"
#include "lm/kv_cache_size.h"
#include "lm/llama_backend.h"
#include "lm/llama_model.h"
#include "support/paths.h"

using namespace mop::lm;

namespace {

// The shared cache's sizing (generation's --kv-layout shared; scoring always); streams below.
LlamaOptions story_options(int n_ctx, int parallel = 8, bool streams = false) {
  LlamaOptions o;
  o.kv_streams = streams;
  o.model = mop::test::stories_model();
  o.chat_template = "plain";
  o.n_threads = 1;
  o.n_ctx = n_ctx;
  o.n_parallel = parallel;
  return o;
}

std::vector<GenerateRequest> long_generations(size_t n, int tokens) {
  std::vector<GenerateRequest> reqs(n);
  for (size_t i = 0; i < n; ++i) {
    reqs[i].prompt = "Once upon a time there was a cat number " + std::to_string(i);
    reqs[i].sampling.max_tokens = tokens;
    reqs[i].sampling.ignore_eos = true;
    reqs[i].sampling.seed = 7 + i;
  }
  return reqs;
}

std::string words(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += i % 3 ? " the dog ran" : " a girl";
  return s;
}

}  // namespace

TEST(LmContextSize, ParsesCtxAndMemorySizes) {
  EXPECT_EQ(parse_ctx("auto"), kAutoCtx);
  EXPECT_EQ(parse_ctx("0"), 0);
  EXPECT_EQ(parse_ctx("16384"), 16384);
  EXPECT_THROW(parse_ctx("-3"), mop::Error);
  EXPECT_THROW(parse_ctx("4k"), mop::Error);
  EXPECT_THROW(parse_ctx(""), mop::Error);
  EXPECT_EQ(parse_memory_size("auto"), 0);
  EXPECT_EQ(parse_memory_size("512M"), int64_t{512} << 20);
  EXPECT_EQ(parse_memory_size("8G"), int64_t{8} << 30);
  EXPECT_EQ(parse_memory_size("8GiB"), int64_t{8} << 30);
  EXPECT_EQ(parse_memory_size("2.5gb"), int64_t{5} << 29);
  EXPECT_EQ(parse_memory_size("1000"), 1000);
  EXPECT_THROW(parse_memory_size("8X"), mop::Error);
  EXPECT_THROW(parse_memory_size("-1G"), mop::Error);
  try {
    parse_memory_size("lots", "kv_memory");
    FAIL();
  } catch (const mop::Error& e) {
    EXPECT_NE(std::string(e.what()).find("kv_memory must be auto or a size"), std::string::npos) << e.what();
  }
}

TEST(LmContextSize, CellsGrowByHalfAtLeastRoundedAndCapped) {
  EXPECT_EQ(cells_for_work(5000, 4096, 1 << 20), 6144);    // 4096 * 1.5 beats 5001
  EXPECT_EQ(cells_for_work(10000, 4096, 1 << 20), 10240);  // 10000 rounded up to 256
  EXPECT_EQ(cells_for_work(10000, 4096, 8192), 8192);      // the limit
  EXPECT_EQ(format_bytes(640), "640 B");
  EXPECT_EQ(format_bytes(int64_t{3} << 29), "1.5 GiB");
}

TEST(LmContextSize, CellBytesMatchLlamaCppsOwnKvSize) {
  // stories260K: 5 layers, 4 KV heads of 8: K and V in F16 are 640 bytes a cell, which llama.cpp
  // reports as 2.50 MiB for 4096 cells; the mask column adds 2 bytes per micro-batch token.
  init_llama_backend(false);
  llama_model* model = llama_model_load_from_file(mop::test::stories_model().c_str(), llama_model_default_params());
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(kv_bytes_per_cell(model, 513), 640 + 2 * 513);
  llama_model_free(model);
}

TEST(LmContextSize, AutoGrowsForTheWorkAndChangesNoResult) {
  LlamaModel fixed(story_options(16384));
  LlamaModel automatic(story_options(kAutoCtx));
  EXPECT_EQ(automatic.kv_cells(), kAutoCtxStart);
  const auto reqs = long_generations(8, 560);
  testing::internal::CaptureStderr();
  const auto a = automatic.generate(reqs, {});
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_GT(automatic.kv_cells(), 8 * 560);
  EXPECT_NE(err.find("mop: KV cache: " + std::to_string(automatic.kv_cells()) + " cells, for 8 sequences at once"), std::string::npos) << err;
  EXPECT_EQ(err.find("mop: note:"), std::string::npos) << err;
  const auto b = fixed.generate(reqs, {});
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].text, b[i].text) << i;
    EXPECT_EQ(a[i].n_tokens, 560);
  }

  // Scoring: 8 continuations of about 600 tokens under one prompt, and one of them alone longer
  // than a fixed 1024-cell cache holds: same scores in any cache.
  std::vector<ScoreRequest> score;
  for (int i = 0; i < 8; ++i) score.push_back({"Once upon a time", words(125 + i), 0.8});
  score.push_back({"Once upon a time", words(240), 0.7});
  const auto sa = automatic.score(score, {});
  const auto sb = fixed.score(score, {});
  ASSERT_GT(sa.back().n_tokens, 1024);
  for (size_t i = 0; i < score.size(); ++i) {
    EXPECT_EQ(sa[i].logprob, sb[i].logprob) << i;
    EXPECT_EQ(sa[i].dlogprob_dtau, sb[i].dlogprob_dtau) << i;
  }
  LlamaModel small(story_options(1024));
  EXPECT_THROW(small.score({score.back()}, {}), RequestError);
}

// --kv-layout streams (the default): one stream per sequence, each of the longest sequence's
// length, in place of the shared cache while generating; the same text as the shared cache.
TEST(LmContextSize, StreamsAreSizedToTheWorkAndChangeNoText) {
  LlamaModel streams(story_options(kAutoCtx, 8, true));
  const auto reqs = long_generations(8, 560);
  testing::internal::CaptureStderr();
  const auto a = streams.generate(reqs, {});
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(streams.kv_streams(), 8);  // of 768 cells (prompt + 560, rounded up)
  EXPECT_NE(err.find("mop: KV cache: 8 streams of 768 cells, for 8 sequences at once of up to"), std::string::npos) << err;
  EXPECT_EQ(err.find("mop: note:"), std::string::npos) << err;
  const auto b = LlamaModel(story_options(16384)).generate(reqs, {});
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].text, b[i].text) << i;
  // Scoring runs in the same streams (large enough: no new context), with the shared cache's
  // score, and so does the next generation.
  const std::vector<ScoreRequest> pair = {{"Once upon a time", words(20), 1.0}};
  EXPECT_EQ(streams.score(pair, {})[0].logprob, LlamaModel(story_options(16384)).score(pair, {})[0].logprob);
  EXPECT_EQ(streams.kv_streams(), 8);
  EXPECT_EQ(streams.generate({reqs[3]}, {})[0].text, b[3].text);
  EXPECT_EQ(streams.kv_streams(), 8);
}

// Where streams of the longest sequence's length would run fewer sequences at once than the
// shared cache packs at their own lengths, the shared cache runs (and says what fits).
TEST(LmContextSize, AnExplicitCtxTooSmallForStreamsGeneratesInTheSharedCache) {
  LlamaModel model(story_options(1024, 8, true));
  testing::internal::CaptureStderr();
  const auto out = model.generate(long_generations(8, 300), {});
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(model.kv_streams(), 0);
  EXPECT_NE(err.find("so about 3 run together instead; raise --ctx"), std::string::npos) << err;
  const auto same = LlamaModel(story_options(1024)).generate(long_generations(8, 300), {});
  for (size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i].text, same[i].text) << i;
  // Two sequences of about 212 tokens: 2 streams of 256 cells hold both.
  const auto two = model.generate(long_generations(2, 200), {});
  EXPECT_EQ(model.kv_streams(), 2);
  EXPECT_EQ(two[1].text, LlamaModel(story_options(1024)).generate(long_generations(2, 200), {})[1].text);
  // Too long for streams again: the shared cache is reopened (the streams freed), same text.
  testing::internal::CaptureStderr();
  const auto again = model.generate(long_generations(8, 300), {});
  testing::internal::GetCapturedStderr();
  EXPECT_EQ(model.kv_streams(), 0);
  for (size_t i = 0; i < out.size(); ++i) EXPECT_EQ(again[i].text, same[i].text) << i;
}

TEST(LmContextSize, SmallWorkKeepsTheStartingCache) {
  LlamaModel automatic(story_options(kAutoCtx, 32));
  testing::internal::CaptureStderr();
  automatic.generate(long_generations(32, 40), {});
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(automatic.kv_cells(), kAutoCtxStart);
  EXPECT_EQ(err.find("KV cache"), std::string::npos) << err;
}

TEST(LmContextSize, AnExplicitSmallCtxSaysThatFewerRunTogether) {
  LlamaModel model(story_options(1024));
  testing::internal::CaptureStderr();
  model.generate(long_generations(8, 300), {});
  model.generate(long_generations(8, 300), {});
  const std::string err = testing::internal::GetCapturedStderr();
  const size_t at = err.find("mop: note: 8 sequences in flight");
  ASSERT_NE(at, std::string::npos) << err;
  EXPECT_NE(err.find("so about 3 run together instead; raise --ctx, or leave it out"), std::string::npos) << err;
  EXPECT_EQ(err.find("mop: note:", at + 1), std::string::npos) << "said once: " << err;
  EXPECT_EQ(model.kv_cells(), 1024);
}

TEST(LmContextSize, TheMemoryLimitCapsTheCacheAndNamesItself) {
  LlamaOptions o = story_options(kAutoCtx);
  o.kv_memory = int64_t{1} << 20;  // 1 MiB at 1666 bytes a cell: 512 cells
  LlamaModel model(o);
  EXPECT_EQ(model.kv_cells(), 512);
  EXPECT_EQ(model.max_sequence_tokens(), 512);
  testing::internal::CaptureStderr();
  const auto out = model.generate(long_generations(4, 200), {});
  const std::string err = testing::internal::GetCapturedStderr();
  for (const auto& g : out) EXPECT_EQ(g.n_tokens, 200);
  EXPECT_NE(err.find("the KV memory limit of 1.0 MiB (--kv-memory) allows no more: raise --kv-memory"), std::string::npos) << err;
  try {
    model.score({{"Once upon a time", words(120), 1.0}}, {});
    FAIL() << "a sequence past the limit must be refused";
  } catch (const RequestError& e) {
    EXPECT_NE(std::string(e.what()).find("memory limit of 1.0 MiB, --kv-memory, allows: 512; raise --kv-memory"), std::string::npos) << e.what();
  }
  o.kv_memory = 100 << 10;
  try {
    LlamaModel tiny(o);
    FAIL() << "fewer than 256 cells";
  } catch (const mop::Error& e) {
    EXPECT_NE(std::string(e.what()).find("holds fewer than 256 cells"), std::string::npos) << e.what();
  }
}
