// The GGUF sentence encoder on a tiny random-weight BERT with the real bge tokenizer: its vectors
// are llama.cpp's own token embeddings pooled and normalised, the same batched or one by one.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "embed/gguf_encoder.h"
#include "gguf.h"
#include "mop/dataset.h"
#include "mop/embed_cache.h"
#include "mop/embed_open.h"
#include "mop/error.h"
#include "support/paths.h"
#include "support/tiny_bert.h"

namespace {

using mop::embed::GgufEncoder;
using mop::embed::GgufEncoderOptions;
using mop::embed::Matrix;
using mop::test::TempDir;
using mop::test::TinyBertShape;
using mop::test::write_tiny_bert;

// One tiny BERT per pooling variant, written once for the whole suite.
class GgufEncoderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    write_tiny_bert(model(), TinyBertShape{});
    TinyBertShape cls;
    cls.pooling = 2;  // LLAMA_POOLING_TYPE_CLS
    write_tiny_bert(cls_model(), cls);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string model() { return dir_->file("tiny-bert.gguf"); }
  static std::string cls_model() { return dir_->file("tiny-bert-cls.gguf"); }

  static std::unique_ptr<GgufEncoder> open(const std::string& path, int batch_size = 64, int n_batch = 512) {
    GgufEncoderOptions o;
    o.model = path;
    o.n_threads = 2;
    o.batch_size = batch_size;
    o.n_batch = n_batch;
    return std::make_unique<GgufEncoder>(o);
  }

  static std::vector<std::string> sst2(std::size_t n) {
    auto records = mop::data::load(mop::test::shared_path("data/sst2/test.jsonl")).records;
    records.resize(std::min(n, records.size()));
    std::vector<std::string> out;
    for (const auto& r : records) out.push_back(r.text);
    return out;
  }

  static TempDir* dir_;
};
TempDir* GgufEncoderTest::dir_ = nullptr;

// llama.cpp's per-token last-layer embeddings for `tokens` (pooling NONE), one row per token.
Matrix token_embeddings(GgufEncoder& encoder, const std::vector<llama_token>& tokens) {
  llama_context_params p = llama_context_default_params();
  p.embeddings = true;
  p.pooling_type = LLAMA_POOLING_TYPE_NONE;
  p.n_ctx = p.n_batch = p.n_ubatch = static_cast<uint32_t>(encoder.max_tokens());
  p.n_threads = p.n_threads_batch = 1;
  llama_context* ctx = llama_init_from_model(encoder.model(), p);
  if (!ctx) throw std::runtime_error("cannot create a reference context");
  llama_batch batch = llama_batch_init(static_cast<int32_t>(tokens.size()), 0, 1);
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    batch.token[i] = tokens[i];
    batch.pos[i] = static_cast<llama_pos>(i);
    batch.n_seq_id[i] = 1;
    batch.seq_id[i][0] = 0;
    batch.logits[i] = 1;
  }
  batch.n_tokens = static_cast<int32_t>(tokens.size());
  Matrix out(static_cast<Eigen::Index>(tokens.size()), encoder.dim());
  const int rc = llama_decode(ctx, batch);
  for (std::size_t i = 0; rc == 0 && i < tokens.size(); ++i) {
    out.row(static_cast<Eigen::Index>(i)) = Eigen::Map<const Eigen::RowVectorXf>(llama_get_embeddings_ith(ctx, static_cast<int32_t>(i)), encoder.dim());
  }
  llama_batch_free(batch);
  llama_free(ctx);
  if (rc != 0) throw std::runtime_error("reference decode failed");
  return out;
}

TEST_F(GgufEncoderTest, MeanPoolingOfLlamaCppTokenEmbeddings) {
  auto encoder = open(model());
  EXPECT_EQ(encoder->pooling(), LLAMA_POOLING_TYPE_MEAN);  // the model declares none
  EXPECT_EQ(encoder->dim(), 32);
  for (const std::string text : {"this is one of polanski 's best films .", "no movement , no yuks , not much of anything ."}) {
    const auto tokens = encoder->tokenize(text);
    // The real WordPiece tokenizer: [CLS] ... [SEP].
    ASSERT_GT(tokens.size(), 5u);
    EXPECT_EQ(tokens.front(), llama_vocab_bos(llama_model_get_vocab(encoder->model())));  // [CLS]
    EXPECT_EQ(tokens.back(), llama_vocab_sep(llama_model_get_vocab(encoder->model())));   // [SEP]
    const Matrix per_token = token_embeddings(*encoder, tokens);
    const Eigen::RowVectorXf mean = per_token.colwise().mean();
    const Eigen::RowVectorXf expected = mean / mean.norm();
    const Matrix got = encoder->encode({text});
    EXPECT_LT((got.row(0) - expected).cwiseAbs().maxCoeff(), 1e-5f) << text;
    // Mean pooling is not the first token's vector: the test would catch CLS pooling.
    EXPECT_GT((got.row(0) - per_token.row(0).normalized()).norm(), 1e-2f);
  }
}

TEST_F(GgufEncoderTest, DeclaredClsPoolingIsUsed) {
  auto encoder = open(cls_model());
  EXPECT_EQ(encoder->pooling(), LLAMA_POOLING_TYPE_CLS);
  const std::string text = "a gob of drivel so sickly sweet";
  const Matrix per_token = token_embeddings(*encoder, encoder->tokenize(text));
  const Matrix got = encoder->encode({text});
  EXPECT_LT((got.row(0) - per_token.row(0).normalized()).cwiseAbs().maxCoeff(), 1e-5f);
}

TEST_F(GgufEncoderTest, RowsAreUnitNormAndDistinct) {
  auto encoder = open(model());
  const auto texts = sst2(50);
  const Matrix m = encoder->encode(texts);
  ASSERT_EQ(m.rows(), 50);
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    EXPECT_NEAR(m.row(i).norm(), 1.0f, 1e-5f) << i;
    if (i > 0 && texts[i] != texts[i - 1]) EXPECT_LT(m.row(i).dot(m.row(i - 1)), 0.99999f) << i;
  }
  // An empty text runs as [CLS] [SEP]: still a unit vector.
  EXPECT_NEAR(encoder->encode({""}).row(0).norm(), 1.0f, 1e-5f);
}

TEST_F(GgufEncoderTest, BatchedEqualsOneByOne) {
  const auto texts = sst2(120);
  // Several calls with different packings: 64 texts or 512 tokens per call, and 7 texts or 40 tokens.
  const Matrix big = open(model(), 64, 512)->encode(texts);
  const Matrix small = open(model(), 7, 40)->encode(texts);
  auto single = open(model(), 1, 1);
  ASSERT_EQ(big.rows(), 120);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const Matrix one = single->encode({texts[i]});
    EXPECT_LT((big.row(static_cast<Eigen::Index>(i)) - one.row(0)).cwiseAbs().maxCoeff(), 1e-5f) << i;
    EXPECT_LT((small.row(static_cast<Eigen::Index>(i)) - one.row(0)).cwiseAbs().maxCoeff(), 1e-5f) << i;
  }
}

TEST_F(GgufEncoderTest, DeterministicAcrossCallsAndInstances) {
  const auto texts = sst2(40);
  auto a = open(model());
  auto b = open(model());
  const Matrix first = a->encode(texts);
  EXPECT_EQ(first, a->encode(texts));
  EXPECT_EQ(first, b->encode(texts));
  EXPECT_EQ(a->id(), b->id());
}

TEST_F(GgufEncoderTest, IdNamesTheFileAndChangesWithIt) {
  auto encoder = open(model());
  const auto size = std::to_string(std::filesystem::file_size(model()));
  EXPECT_EQ(encoder->id().rfind("gguf:tiny-bert.gguf:" + size + ":", 0), 0u) << encoder->id();
  TempDir other;
  TinyBertShape reseeded;
  reseeded.seed = 2;
  write_tiny_bert(other.file("tiny-bert.gguf"), reseeded);  // same name and size, other weights
  EXPECT_NE(open(other.file("tiny-bert.gguf"))->id(), encoder->id());
}

TEST_F(GgufEncoderTest, LongTextIsTruncatedToTheModelContext) {
  auto encoder = open(model());
  ASSERT_EQ(encoder->max_tokens(), 64);  // the tiny model's position embeddings
  std::string head;
  for (int i = 0; i < 100; ++i) head += "word" + std::to_string(i) + " ";
  const auto tokens = encoder->tokenize(head + "the end");
  ASSERT_EQ(tokens.size(), 64u);
  EXPECT_EQ(tokens.back(), llama_vocab_sep(llama_model_get_vocab(encoder->model())));  // [SEP] kept last
  // Both texts are cut inside `head`, so they run as the same tokens.
  const Matrix m = encoder->encode({head + "happy ending", "short one", head + "sad ending"});
  EXPECT_NEAR(m.row(0).norm(), 1.0f, 1e-5f);
  EXPECT_LT((m.row(0) - m.row(2)).cwiseAbs().maxCoeff(), 1e-6f);
  EXPECT_LT((m.row(1) - encoder->encode({"short one"}).row(0)).cwiseAbs().maxCoeff(), 1e-5f);
}

TEST_F(GgufEncoderTest, OpenEncoderCachesGgufModels) {
  TempDir cache;
  mop::embed::EncoderOptions o;
  o.cache_dir = cache.path();
  o.n_threads = 2;
  auto encoder = mop::embed::open_encoder(model(), o);
  auto* cached = dynamic_cast<mop::embed::CachedEncoder*>(encoder.get());
  ASSERT_NE(cached, nullptr);
  EXPECT_EQ(encoder->id(), open(model())->id());
  const auto texts = sst2(20);
  const std::size_t distinct = std::set<std::string>(texts.begin(), texts.end()).size();
  const Matrix first = encoder->encode(texts);
  EXPECT_EQ(cached->stats().misses, distinct);
  EXPECT_EQ(first, encoder->encode(texts));
  EXPECT_EQ(cached->stats().misses, distinct);  // the second call was all hits
  EXPECT_LT((first - open(model())->encode(texts)).cwiseAbs().maxCoeff(), 1e-5f);
  EXPECT_TRUE(std::filesystem::exists(cache.path() / "embeddings.sqlite"));

  o.use_cache = false;
  EXPECT_EQ(dynamic_cast<mop::embed::CachedEncoder*>(mop::embed::open_encoder(model(), o).get()), nullptr);
}

std::string open_error(const std::string& path) {
  try {
    mop::embed::EncoderOptions o;
    o.use_cache = false;
    mop::embed::open_encoder(path, o);
  } catch (const mop::Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST_F(GgufEncoderTest, BadModelFilesGiveOneClearError) {
  TempDir dir;
  EXPECT_EQ(open_error(dir.file("missing.gguf")), "model file not found: " + dir.file("missing.gguf"));
  mop::test::write_file(dir.file("text.gguf"), "not a model\n");
  EXPECT_EQ(open_error(dir.file("text.gguf")), "not a GGUF model file (bad magic): " + dir.file("text.gguf"));
  // A well-formed GGUF file llama.cpp has no architecture for.
  gguf_context* g = gguf_init_empty();
  gguf_set_val_str(g, "general.architecture", "no-such-architecture");
  ASSERT_TRUE(gguf_write_to_file(g, dir.file("alien.gguf").c_str(), false));
  gguf_free(g);
  EXPECT_EQ(open_error(dir.file("alien.gguf")).rfind("llama.cpp cannot load model " + dir.file("alien.gguf"), 0), 0u)
      << open_error(dir.file("alien.gguf"));
  EXPECT_NE(open_error("hf:no-file").find("expected hf:OWNER/REPO/FILE.gguf"), std::string::npos);
  EXPECT_NE(open_error("bert.bin").find("unknown encoder 'bert.bin'"), std::string::npos);
}

TEST_F(GgufEncoderTest, RerankerIsRefused) {
  TempDir dir;
  TinyBertShape rank;
  rank.pooling = 4;  // LLAMA_POOLING_TYPE_RANK
  write_tiny_bert(dir.file("rank.gguf"), rank);
  EXPECT_NE(open_error(dir.file("rank.gguf")).find("is a reranking model"), std::string::npos) << open_error(dir.file("rank.gguf"));
}

}  // namespace
