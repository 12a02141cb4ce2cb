#pragma once
// Runs the same body in several forked processes at once, for tests of files and databases that
// several processes share.
#include <functional>
#include <vector>

namespace mop::test {

// Forks n children; child k runs body(k) and exits with its return value (2, after printing the
// message, if it throws). Waits for all; returns each child's exit status (-1 if it did not exit
// normally, e.g. killed by a signal).
std::vector<int> run_in_children(int n, const std::function<int(int k)>& body);

}  // namespace mop::test
