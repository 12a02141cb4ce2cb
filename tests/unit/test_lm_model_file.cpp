// Bad model files give one clear error, never a crash.
#include <gtest/gtest.h>

#include <filesystem>

#include "mop/error.h"
#include "mop/lm_llama.h"
#include "support/paths.h"

using namespace mop::lm;
using mop::test::TempDir;

namespace {
std::string load_error(const std::string& path) {
  LlamaOptions o;
  o.model = path;
  try {
    load_llama(o);
  } catch (const mop::Error& e) {
    return e.what();
  }
  return "(no error)";
}
}  // namespace

TEST(ModelFile, Missing) { EXPECT_EQ(load_error("/no/such/model.gguf"), "model file not found: /no/such/model.gguf"); }

TEST(ModelFile, NotGguf) {
  TempDir dir;
  mop::test::write_file(dir.file("x.gguf"), "this is a text file, not a model\n");
  EXPECT_EQ(load_error(dir.file("x.gguf")), "not a GGUF model file (bad magic): " + dir.file("x.gguf"));
}

TEST(ModelFile, Empty) {
  TempDir dir;
  mop::test::write_file(dir.file("empty.gguf"), "");
  EXPECT_NE(load_error(dir.file("empty.gguf")).find("not a GGUF model file"), std::string::npos);
}

TEST(ModelFile, Truncated) {
  TempDir dir;
  const std::string full = mop::test::read_file(mop::test::stories_model());
  mop::test::write_file(dir.file("cut.gguf"), full.substr(0, full.size() * 2 / 3));
  EXPECT_NE(load_error(dir.file("cut.gguf")).find("truncated GGUF model file: " + dir.file("cut.gguf")), std::string::npos);
  // Cut inside the header: still a clear error.
  mop::test::write_file(dir.file("head.gguf"), full.substr(0, 100));
  EXPECT_NE(load_error(dir.file("head.gguf")).find("GGUF"), std::string::npos);
}

TEST(ModelFile, Directory) {
  TempDir dir;
  EXPECT_NE(load_error(dir.path().string()).find("is a directory"), std::string::npos);
}

TEST(ModelFile, BadHubName) {
  EXPECT_NE(load_error("hf:just-a-name").find("expected hf:OWNER/REPO/FILE.gguf"), std::string::npos);
}
