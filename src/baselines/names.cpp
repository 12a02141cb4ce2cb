#include "mop/baselines.h"
#include "mop/error.h"

namespace mop::baselines {

std::vector<std::string> baseline_names() { return {"zerogen", "attrprompt", "picle", "progen"}; }

void check_baseline_name(const std::string& name) {
  std::string names;
  for (const auto& n : baseline_names()) {
    if (n == name) return;
    names += (names.empty() ? "" : ", ") + n;
  }
  throw Error("unknown baseline '" + name + "': choose one of " + names);
}

}  // namespace mop::baselines
