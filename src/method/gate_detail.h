#pragma once
// Helpers shared by the gate's source files.
#include <string>

#include "mop/gate.h"

namespace mop::method::detail {

// Throws mop::Error unless the blocks are P x d (P, d >= 1) and tau has K >= 1 entries.
void check_param_shapes(const Params& p, const std::string& what);

// Throws mop::Error unless `p` has exactly the shapes of `like`.
void check_same_shapes(const Params& p, const Params& like, const std::string& what);

// A zero-filled Params shaped like `like`.
Params zeros_like(const Params& like);

}  // namespace mop::method::detail
