// Batch invariance: a sequence's scores and sampled text must not depend on what else is in its
// batch, how the work is cut into decode calls, how many threads run it, or where its cells lie in
// the KV cache. Checked bit for bit (EXPECT_EQ on doubles and strings, no tolerance) on the story
// model (8-wide heads) and on random-weight models with 64-wide heads in F16, Q8_0, Q4_0 and Q4_K,
// the shapes for which ggml's own kernel choice (tiled flash attention from 64 queries, llamafile's
// sgemm from two rows, repacked Q4 weights) differs between batch shapes. docs/numerics.md.
#include <gtest/gtest.h>

#include <map>
#include <memory>

#include "llama.h"
#include "lm/cpu_kernels.h"
#include "lm/llama_model.h"
#include "support/paths.h"
#include "support/tiny_gguf.h"

using namespace mop::lm;

namespace {

// Writes the random-weight models once per test program.
class Models {
 public:
  static const std::string& path(const std::string& kind) {
    static Models models;
    return models.paths_.at(kind);
  }

 private:
  Models() {
    paths_["stories"] = mop::test::stories_model();
    mop::test::TinyLlamaShape s;
    s.n_embd = 256;
    s.n_head = 4;  // 64-wide heads: tiled flash attention applies on AVX2 and AVX-512 alike
    s.n_head_kv = 2;
    s.n_ff = 512;
    s.n_layer = 2;
    s.f16 = true;
    s.scale = 0.2f;  // peaked enough that sampling is not uniform noise
    const std::string f16 = dir_.file("wide-f16.gguf");
    mop::test::write_tiny_llama(f16, mop::test::llama_vocab_file("llama-spm"), s, "-");
    paths_["f16"] = f16;
    for (auto [name, type] : {std::pair{"q8_0", LLAMA_FTYPE_MOSTLY_Q8_0}, std::pair{"q4_0", LLAMA_FTYPE_MOSTLY_Q4_0},
                              std::pair{"q4_k", LLAMA_FTYPE_MOSTLY_Q4_K_M}}) {
      llama_model_quantize_params qp = llama_model_quantize_default_params();
      qp.ftype = type;
      qp.nthread = 1;
      const std::string out = dir_.file(std::string("wide-") + name + ".gguf");
      if (llama_model_quantize(f16.c_str(), out.c_str(), &qp) != 0) throw std::runtime_error("quantize failed");
      paths_[name] = out;
    }
  }
  mop::test::TempDir dir_;
  std::map<std::string, std::string> paths_;
};

LlamaOptions options(const std::string& kind) {
  LlamaOptions o;
  o.model = Models::path(kind);
  o.chat_template = "plain";
  o.n_threads = 1;
  o.n_ctx = 4096;
  o.n_parallel = 16;
  return o;
}

// 4 prompts sharing prefixes pairwise, 4 continuations each: one flush decodes more than 64 tokens.
std::vector<ScoreRequest> score_batch() {
  const std::vector<std::string> prompts = {
      "Once upon a time, there was a cat. The cat liked milk.",
      "Once upon a time, there was a cat. The cat liked to sleep in the sun all day.",
      "Once upon a time, there was a dog.",
      "Lily went to the park with her mom.",
  };
  const std::vector<std::string> conts = {
      " He was happy and ran around the garden with his friends until it was dark.",
      " One day, it rained and everyone stayed home to play games and read books together.", " The end.",
      " She said, \"Look at the bird!\" and they watched it fly over the tall green trees."};
  std::vector<ScoreRequest> batch;
  for (const auto& p : prompts)
    for (size_t j = 0; j < conts.size(); ++j) batch.push_back({p, conts[j], 0.5 + 0.25 * j});
  return batch;
}

std::vector<GenerateRequest> generate_batch() {
  const std::vector<std::string> prompts = {"Once upon a time,", "Lily and Tom", "The big red ball", "One day, a bird",
                                            "Sam wanted to", "In the forest there"};
  std::vector<GenerateRequest> out;
  for (size_t i = 0; i < prompts.size(); ++i) {
    GenerateRequest r;
    r.prompt = prompts[i];
    r.sampling.temperature = 0.9;
    r.sampling.max_tokens = 24 + 6 * static_cast<int>(i);  // sequences end at different steps
    r.sampling.seed = 1000 + i;
    r.sampling.ignore_eos = true;
    out.push_back(r);
  }
  return out;
}

class LmInvariance : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST(LmCpuKernels, ReferenceKernelsAreOnUnlessAskedOff) {
  const size_t before = cpu_backends_with_reference_kernels();
  LlamaModel invariant(options("stories"));
  EXPECT_GT(cpu_backends_with_reference_kernels(), before);  // the link-time wrap is in place
  const size_t after = cpu_backends_with_reference_kernels();
  LlamaOptions o = options("stories");
  o.invariant_kernels = false;
  LlamaModel fast(o);
  EXPECT_EQ(cpu_backends_with_reference_kernels(), after);
}

TEST_P(LmInvariance, SharedPrefixScoresEqualScoresAloneExactly) {
  LlamaModel model(options(GetParam()));
  const auto batch = score_batch();
  const auto shared = model.score(batch, {});
  for (size_t i = 0; i < batch.size(); ++i) {
    const auto alone = model.score({batch[i]}, {});
    EXPECT_EQ(shared[i].logprob, alone[0].logprob) << i;
    EXPECT_EQ(shared[i].dlogprob_dtau, alone[0].dlogprob_dtau) << i;
  }
}

TEST_P(LmInvariance, ScoresDoNotDependOnBatchSlotsThreadsOrCacheSize) {
  const auto batch = score_batch();
  const auto reference = LlamaModel(options(GetParam())).score(batch, {});
  LlamaOptions o = options(GetParam());
  o.n_batch = 7;  // continuations cut across decode calls, single-token calls among them
  o.n_parallel = 3;
  o.n_threads = 2;
  o.n_ctx = 256;  // rounds end early for room, some with sequence 0 moved between prompts
  const auto other = LlamaModel(o).score(batch, {});
  for (size_t i = 0; i < batch.size(); ++i) {
    EXPECT_EQ(reference[i].logprob, other[i].logprob) << i;
    EXPECT_EQ(reference[i].dlogprob_dtau, other[i].dlogprob_dtau) << i;
  }
  // The same requests in another order, repeated: each one's score is unchanged.
  std::vector<ScoreRequest> shuffled(batch.rbegin(), batch.rend());
  shuffled.insert(shuffled.end(), batch.begin(), batch.end());
  const auto again = LlamaModel(options(GetParam())).score(shuffled, {});
  for (size_t i = 0; i < batch.size(); ++i) {
    EXPECT_EQ(again[batch.size() - 1 - i].logprob, reference[i].logprob) << i;
    EXPECT_EQ(again[batch.size() + i].logprob, reference[i].logprob) << i;
  }
}

TEST_P(LmInvariance, SampledTextDoesNotDependOnTheBatch) {
  const auto requests = generate_batch();
  LlamaModel model(options(GetParam()));
  const auto together = model.generate(requests, {});
  for (size_t i = 0; i < requests.size(); ++i) {
    const auto alone = model.generate({requests[i]}, {});
    EXPECT_EQ(together[i].text, alone[0].text) << i;
    EXPECT_EQ(together[i].n_tokens, alone[0].n_tokens) << i;
  }
  // Fewer slots, small decode calls, two threads, and a cache that fills up (the requests in
  // flight finish, the cache is cleared, the rest follow).
  LlamaOptions o = options(GetParam());
  o.n_parallel = 3;
  o.n_batch = 5;
  o.n_threads = 2;
  o.n_ctx = 256;
  const auto small = LlamaModel(o).generate(requests, {});
  for (size_t i = 0; i < requests.size(); ++i) EXPECT_EQ(together[i].text, small[i].text) << i;
  // The shared cache with more sequences generating than a decode call holds (the rest wait a step;
  // before, the step wrote past the batch's arrays, which the ASan build reports).
  o.kv_streams = false;
  o.n_parallel = 6;
  o.n_batch = 2;
  o.n_ctx = 4096;
  const auto narrow = LlamaModel(o).generate(requests, {});
  for (size_t i = 0; i < requests.size(); ++i) EXPECT_EQ(together[i].text, narrow[i].text) << i;
}

namespace {

// A batch shape for the streams tests, and the streams its context should hold.
struct Shape {
  int parallel, batch, threads, ctx;
  int streams;  // generation: the sequences at once; scoring: the prompt's and the continuations'; 0: the shared cache ran
};

LlamaOptions streams_options(const std::string& model, const Shape& sh) {
  LlamaOptions o = options(model);
  o.kv_streams = true;
  o.n_parallel = sh.parallel;
  o.n_batch = sh.batch;
  o.n_threads = sh.threads;
  o.n_ctx = sh.ctx;
  return o;
}

}  // namespace

// --kv-layout streams: one KV stream per sequence gives each request the text the shared cache
// gives it, in any batch shape: prompts fed as a group in calls of their own, finished sequences'
// places taken by whole-stream copies, lone tokens and lone output rows.
TEST_P(LmInvariance, StreamsLayoutGivesTheSharedCachesText) {
  auto requests = generate_batch();
  for (size_t i = 0; i < 4; ++i) {  // the end of text allowed, stop strings, nothing to generate
    GenerateRequest r = requests[i];
    r.sampling.ignore_eos = false;
    r.sampling.max_tokens = 40 + 13 * static_cast<int>(i);
    r.sampling.seed = 77 + i;
    if (i == 1) r.sampling.stop = {" the", "."};
    if (i == 2) r.sampling.max_tokens = 0;
    if (i == 3) r.prompt = "Once upon a time, there was a little girl named Lily who loved to play outside in the big green park";
    requests.push_back(r);
  }
  // Prompts fed as a group: two of the same length (they end in the same call) and two of more
  // than 64 tokens (a call of several streams with many tokens each).
  std::string longer;
  for (int k = 0; k < 6; ++k) longer += "The dog ran to the park and saw a big tree with a bird in it. ";
  for (const std::string& prompt : {std::string("Lily and Tom"), std::string("Lily and Sam"), longer, longer + "Then"}) {
    GenerateRequest r = requests[0];
    r.prompt = prompt;
    r.sampling.max_tokens = 20;
    r.sampling.seed = 500 + requests.size();
    requests.push_back(r);
  }
  LlamaOptions shared_options = options(GetParam());
  shared_options.kv_streams = false;
  const auto shared = LlamaModel(shared_options).generate(requests, {});
  // Many streams (as many as the 14 requests); 3 with prompts cut into 5-token calls (lone tokens
  // and lone outputs); 1 with 1-token calls (every call a lone token); 1 in a 512-cell budget; a
  // budget in which streams hold fewer sequences than the shared cache packs (the shared cache).
  for (const Shape& sh : {Shape{16, 512, 1, 4096, 14}, Shape{3, 5, 2, 1024, 3}, Shape{1, 1, 1, 1024, 1}, Shape{2, 2, 1, 1024, 2}, Shape{1, 7, 1, 512, 1},
                          Shape{4, 64, 1, 512, 0}}) {
    LlamaModel model(streams_options(GetParam(), sh));
    testing::internal::CaptureStderr();
    const auto streams = model.generate(requests, {});
    testing::internal::GetCapturedStderr();
    EXPECT_EQ(model.kv_streams(), sh.streams) << sh.parallel;
    ASSERT_EQ(streams.size(), shared.size());
    for (size_t i = 0; i < requests.size(); ++i) {
      EXPECT_EQ(streams[i].text, shared[i].text) << "request " << i << ", parallel " << sh.parallel << ", batch " << sh.batch;
      EXPECT_EQ(streams[i].n_tokens, shared[i].n_tokens) << i;
      EXPECT_EQ(streams[i].finish_reason, shared[i].finish_reason) << i;
    }
  }
}

// --kv-layout streams for scoring: one stream per continuation, each a whole-stream copy of the
// prompt's, gives every request the shared cache's score bit for bit, in any batch shape: rounds
// spanning prompts, continuations cut into calls of equal tokens per stream, lone tokens (in the
// prompt's stream and in a continuation's).
TEST_P(LmInvariance, StreamsLayoutGivesTheSharedCachesScores) {
  auto batch = score_batch();
  // A prompt one token longer than another: moving the prompt's stream decodes a lone token.
  batch.push_back({"Lily went to the park with her mom. Then", " They played on the swings.", 0.8});
  batch.push_back({"Lily went to the park with her mom. Then", "", 0.8});  // nothing to score
  LlamaOptions shared_options = options(GetParam());
  shared_options.kv_streams = false;
  LlamaModel shared_model(shared_options);
  const auto shared = shared_model.score(batch, {});
  EXPECT_EQ(shared_model.kv_streams(), 0);
  // Every continuation at once; rounds of 3 in 7-token calls (lone tokens); rounds of 1 in
  // 1-token calls (every call a lone token); 2 a round in 5-token calls; a budget too small for
  // streams (the shared cache).
  for (const Shape& sh : {Shape{24, 512, 1, 8192, 18}, Shape{3, 7, 2, 4096, 4}, Shape{1, 1, 1, 1024, 2}, Shape{2, 5, 1, 1024, 3},
                          Shape{4, 64, 1, 256, 0}}) {
    LlamaModel model(streams_options(GetParam(), sh));
    testing::internal::CaptureStderr();
    const auto streams = model.score(batch, {});
    testing::internal::GetCapturedStderr();
    EXPECT_EQ(model.kv_streams(), sh.streams) << sh.parallel;
    ASSERT_EQ(streams.size(), shared.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      EXPECT_EQ(streams[i].logprob, shared[i].logprob) << "request " << i << ", parallel " << sh.parallel << ", batch " << sh.batch;
      EXPECT_EQ(streams[i].dlogprob_dtau, shared[i].dlogprob_dtau) << i;
      EXPECT_EQ(streams[i].n_tokens, shared[i].n_tokens) << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Models, LmInvariance, ::testing::Values("stories", "f16", "q8_0", "q4_0", "q4_k"));
