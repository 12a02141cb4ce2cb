#pragma once
// Errors mop reports to its user. A mop::Error is the user's to fix (bad input, missing file,
// impossible setting): the CLI prints its message on one line and exits with status 1.
// Anything else escaping a command is an internal error (exit status 2).
#include <stdexcept>
#include <string>

namespace mop {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace mop
