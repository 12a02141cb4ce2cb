// hf:OWNER/REPO/FILE.gguf goes through llama.cpp's downloader to a local "hub" on 127.0.0.1
// (MODEL_ENDPOINT), lands in the cache directory, and is not fetched again.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "mop/error.h"
#include "mop/lm_llama.h"
#include "support/http_file_server.h"
#include "support/paths.h"

using namespace mop::lm;

TEST(HubDownload, DownloadsOnceIntoTheCacheAndLoads) {
  mop::test::HttpFileServer hub;
  hub.serve("/mop-test/tiny-stories/resolve/main/stories260K.gguf", mop::test::read_file(mop::test::stories_model()));
  ::setenv("MODEL_ENDPOINT", hub.base_url().c_str(), 1);
  mop::test::TempDir cache;

  LlamaOptions o;
  o.model = "hf:mop-test/tiny-stories/stories260K.gguf";
  o.cache_dir = cache.path().string();
  o.n_threads = 1;
  o.n_ctx = 256;
  {
    auto m = load_llama(o);
    EXPECT_LT(m->score({{"Once upon a time", " there was a cat.", 1.0}}, {})[0].logprob, 0);
  }
  EXPECT_EQ(hub.gets(), 1);
  const auto cached = cache.path() / "mop-test_tiny-stories_stories260K.gguf";
  ASSERT_TRUE(std::filesystem::exists(cached));
  EXPECT_EQ(std::filesystem::file_size(cached), std::filesystem::file_size(mop::test::stories_model()));
  load_llama(o);  // the second load uses the cache (same ETag): no new GET
  EXPECT_EQ(hub.gets(), 1);
  ::unsetenv("MODEL_ENDPOINT");
}

TEST(HubDownload, MissingFileIsAClearError) {
  mop::test::HttpFileServer hub;
  ::setenv("MODEL_ENDPOINT", hub.base_url().c_str(), 1);
  mop::test::TempDir cache;
  LlamaOptions o;
  o.model = "hf:mop-test/none/missing.gguf";
  o.cache_dir = cache.path().string();
  try {
    load_llama(o);
    FAIL();
  } catch (const mop::Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot download model hf:mop-test/none/missing.gguf"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("HTTP 404"), std::string::npos) << e.what();
  }
  ::unsetenv("MODEL_ENDPOINT");
}
