#include "support/children.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <stdexcept>

namespace mop::test {

std::vector<int> run_in_children(int n, const std::function<int(int k)>& body) {
  std::vector<pid_t> pids;
  for (int k = 0; k < n; ++k) {
    const pid_t pid = ::fork();
    if (pid < 0) {
      for (pid_t p : pids) ::waitpid(p, nullptr, 0);
      throw std::runtime_error("fork failed");
    }
    if (pid == 0) {
      int status = 0;
      try {
        status = body(k);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "child %d: %s\n", k, e.what());
        status = 2;
      }
      std::fflush(stderr);
      ::_exit(status);  // no atexit handlers or gtest teardown in the child
    }
    pids.push_back(pid);
  }
  std::vector<int> statuses;
  for (pid_t pid : pids) {
    int status = 0;
    const bool ok = ::waitpid(pid, &status, 0) == pid && WIFEXITED(status);
    statuses.push_back(ok ? WEXITSTATUS(status) : -1);
  }
  return statuses;
}

}  // namespace mop::test
