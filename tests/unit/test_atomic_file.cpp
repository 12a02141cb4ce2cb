// write_file_atomic under a kill -9 in the middle of a write: the target keeps its old content, and
// the temporary file the dead process left is removed by the next write of the same target.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "mop/error.h"
#include "mop/util/atomic_file.h"
#include "support/paths.h"

namespace fs = std::filesystem;
using mop::test::read_file;
using mop::test::TempDir;

namespace {

size_t temp_files(const fs::path& dir) {
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.path().filename().string().find(".tmp.") != std::string::npos;
  return n;
}

TEST(AtomicFile, KilledMidWriteLeavesTheOldContent) {
  TempDir dir;
  const fs::path target = dir.path() / "metrics.json";
  mop::util::write_file_atomic(target, std::string("old complete content\n"));
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Half the new content is on disk when the parent kills this process.
    mop::util::write_file_atomic(target, [&](std::ostream& out) {
      out << std::string(100000, 'x');
      out.flush();
      const char c = 1;
      if (::write(ready[1], &c, 1) != 1) ::_exit(3);
      for (;;) ::pause();
    });
    ::_exit(0);
  }
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  ::close(ready[0]);
  ::close(ready[1]);
  EXPECT_EQ(read_file(target.string()), "old complete content\n");
  EXPECT_EQ(temp_files(dir.path()), 1u) << "the killed writer's temporary file";

  mop::util::write_file_atomic(target, std::string("new\n"));
  EXPECT_EQ(read_file(target.string()), "new\n");
  EXPECT_EQ(temp_files(dir.path()), 0u) << "the dead process's temporary file is cleaned up";
}

TEST(AtomicFile, FailingWriterKeepsTheTargetAndNoTemporaryFile) {
  TempDir dir;
  const fs::path target = dir.path() / "out.jsonl";
  mop::util::write_file_atomic(target, std::string("kept\n"));
  EXPECT_THROW(mop::util::write_file_atomic(target, [](std::ostream& out) {
    out << "partial";
    throw mop::Error("stopped");
  }), mop::Error);
  EXPECT_EQ(read_file(target.string()), "kept\n");
  EXPECT_EQ(temp_files(dir.path()), 0u);
}

}  // namespace
