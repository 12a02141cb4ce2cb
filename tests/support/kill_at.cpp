#include "support/kill_at.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

#include "support/paths.h"
#include "util/sha256.h"

namespace mop::test {

KillOutcome run_and_kill_when(const std::string& command, const std::function<bool()>& reached, std::chrono::seconds limit) {
  const pid_t pid = ::fork();
  if (pid < 0) return {};
  if (pid == 0) {
    ::setpgid(0, 0);  // its own group: the kill reaches the shell and mop alike
    const std::string quiet = command + " >/dev/null 2>&1 </dev/null";
    ::execl("/bin/sh", "sh", "-c", quiet.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also from here, so the group exists before the first kill
  const auto deadline = std::chrono::steady_clock::now() + limit;
  KillOutcome outcome;
  for (;;) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      outcome.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      return outcome;
    }
    if (reached()) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      outcome.killed = true;
      return outcome;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      return outcome;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

std::function<bool()> has_lines(const std::string& path, size_t n) {
  return [path, n] { return count_lines(path) >= n; };
}

std::function<bool()> has_bytes(const std::string& path, uintmax_t n) {
  return [path, n] {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    return !ec && size >= n;
  };
}

std::function<bool()> exists(const std::string& path) {
  return [path] {
    std::error_code ec;
    return std::filesystem::exists(path, ec);
  };
}

std::string sha256_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return "";
  const auto d = mop::util::sha256(read_file(path));
  return mop::util::to_hex(d.data(), d.size());
}

}  // namespace mop::test
