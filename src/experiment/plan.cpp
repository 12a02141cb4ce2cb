// Which synthetic sets an experiment config asks for, and where each one goes.
#include <algorithm>

#include "mop/experiment.h"

namespace mop::experiment {

std::vector<SetPlan> plan_sets(const Config& c) {
  const std::string main = c.models.front().name;
  const bool has_mop = std::find(c.methods.begin(), c.methods.end(), gen::kMop) != c.methods.end();
  std::vector<SetPlan> out;
  for (uint64_t seed : c.seeds) {
    auto add = [&](SetPlan p) {
      p.seed = seed;
      p.output = c.out / "samples" / (p.name + ".seed" + std::to_string(seed) + ".jsonl");
      if (c.seeds.size() > 1) p.name += "@seed" + std::to_string(seed);
      out.push_back(std::move(p));
    };
    for (const auto& m : c.methods)
      add({m, m, Variant::none, 1, gen::find_generator(m).needs.run ? main : "", main, 0, {}});
    for (Variant a : c.ablations) {
      std::string name = std::string(gen::kMop) + "-" + variant_name(a);
      std::replace(name.begin(), name.end(), '_', '-');
      add({name, gen::kMop, a, 1, main, main, 0, {}});
    }
    for (int l : c.mixing)
      add({std::string(gen::kMop) + "-mix" + std::to_string(l), gen::kMop, Variant::mix, l, main, main, 0, {}});
    for (const auto& f : c.transfer_fit)
      for (const auto& s : c.transfer_simulate) {
        if (f == main && s == main && has_mop) continue;  // that is the mop set itself
        add({"transfer-" + f + "-to-" + s, gen::kMop, Variant::transfer, 1, f, s, 0, {}});
      }
  }
  return out;
}

}  // namespace mop::experiment
