#pragma once
// Fault injection for the CLI: run a command, kill -9 it at a given on-disk state (a file reaching
// N lines or bytes, a file appearing), never after a sleep, so the test does not depend on speed.
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

namespace mop::test {

struct KillOutcome {
  bool killed = false;  // false: the command ended before the state was reached
  int exit_status = -1; // when not killed
};

// Runs `command` through /bin/sh in its own process group (stdout/stderr to /dev/null) and sends
// SIGKILL to the whole group as soon as `reached()` is true. Gives up (kills, killed=false) after `limit`.
KillOutcome run_and_kill_when(const std::string& command, const std::function<bool()>& reached,
                              std::chrono::seconds limit = std::chrono::seconds(900));

// States to kill at.
std::function<bool()> has_lines(const std::string& path, size_t n);
std::function<bool()> has_bytes(const std::string& path, uintmax_t n);
std::function<bool()> exists(const std::string& path);

// A file's SHA-256 as hex ("" if it cannot be read).
std::string sha256_file(const std::string& path);

}  // namespace mop::test
