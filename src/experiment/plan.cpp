// Which synthetic sets an experiment config asks for, and where each one goes.
#include <algorithm>

#include "mop/experiment.h"

namespace mop::experiment {

std::vector<SetPlan> plan_sets(const Config& c) {
  const std::string main = c.models.front().name;
  const bool has_mop = std::find(c.methods.begin(), c.methods.end(), "mop") != c.methods.end();
  std::vector<SetPlan> out;
  for (uint64_t seed : c.seeds) {
    auto add = [&](SetPlan p) {
      p.seed = seed;
      p.output = c.out / "samples" / (p.name + ".seed" + std::to_string(seed) + ".jsonl");
      if (c.seeds.size() > 1) p.name += "@seed" + std::to_string(seed);
      out.push_back(std::move(p));
    };
    for (const auto& m : c.methods) add({m, m, "", 1, m == "mop" ? main : "", main, 0, {}});
    for (const auto& a : c.ablations) {
      std::string name = "mop-" + a;
      std::replace(name.begin(), name.end(), '_', '-');
      add({name, "mop", a, 1, main, main, 0, {}});
    }
    for (int l : c.mixing) add({"mop-mix" + std::to_string(l), "mop", "mix", l, main, main, 0, {}});
    for (const auto& f : c.transfer_fit)
      for (const auto& s : c.transfer_simulate) {
        if (f == main && s == main && has_mop) continue;  // that is the mop set itself
        add({"transfer-" + f + "-to-" + s, "mop", "transfer", 1, f, s, 0, {}});
      }
  }
  return out;
}

}  // namespace mop::experiment
