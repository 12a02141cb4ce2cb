// The resumable output behind mop simulate and mop baseline: an interrupted job continues from
// OUT.partial (a torn last line redone), another job's leftovers are refused, and the final file
// is complete, in index order, with the partial files gone.
#include <gtest/gtest.h>

#include <filesystem>

#include "method/resumable_output.h"
#include "mop/error.h"
#include "support/paths.h"

using mop::method::ResumableOutput;
namespace fs = std::filesystem;

namespace {
std::string line(size_t i) { return "{\"index\":" + std::to_string(i) + ",\"text\":\"t" + std::to_string(i) + "\"}"; }
}  // namespace

TEST(ResumableOutput, ContinuesAnInterruptedJob) {
  mop::test::TempDir dir;
  const auto out = dir.file("out.jsonl");
  const nlohmann::json settings = {{"seed", 3}};
  {
    ResumableOutput o(out, settings, 5);
    EXPECT_EQ(o.todo(), (std::vector<size_t>{0, 1, 2, 3, 4}));
    o.append({{3, line(3)}, {0, line(0)}});
  }  // killed here: no finish()
  ASSERT_FALSE(fs::exists(out));
  // A torn line, as a kill during a write leaves it.
  std::string partial = mop::test::read_file(out + ".partial");
  mop::test::write_file(out + ".partial", partial + "{\"index\":1,\"te");
  EXPECT_THROW(ResumableOutput(out, nlohmann::json{{"seed", 4}}, 5), mop::Error);
  ResumableOutput o(out, settings, 5);
  EXPECT_EQ(o.finished(), 2u);
  EXPECT_EQ(o.todo(), (std::vector<size_t>{1, 2, 4}));
  o.append({{1, line(1)}, {2, line(2)}, {4, line(4)}});
  o.finish();
  EXPECT_EQ(mop::test::read_file(out), line(0) + "\n" + line(1) + "\n" + line(2) + "\n" + line(3) + "\n" + line(4) + "\n");
  EXPECT_FALSE(fs::exists(out + ".partial"));
  EXPECT_FALSE(fs::exists(out + ".partial.json"));
}
