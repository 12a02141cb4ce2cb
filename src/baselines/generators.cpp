// The registry: one line per generator.
#include "mop/generators.h"

#include "mop/error.h"
#include "mop/simulator.h"

namespace mop::baselines {
gen::GeneratorInfo zerogen_info();
gen::GeneratorInfo attrprompt_info();
gen::GeneratorInfo picle_info();
gen::GeneratorInfo progen_info();
}  // namespace mop::baselines

namespace mop::gen {

const std::vector<GeneratorInfo>& generators() {
  static const std::vector<GeneratorInfo> all = {
      method::mop_generator_info(),
      baselines::zerogen_info(),
      baselines::attrprompt_info(),
      baselines::picle_info(),
      baselines::progen_info(),
  };
  return all;
}

std::vector<std::string> baseline_names() {
  std::vector<std::string> out;
  for (const auto& g : generators())
    if (g.baseline) out.push_back(g.name);
  return out;
}

namespace {

const GeneratorInfo& find(const std::string& name, const std::string& what, bool baselines_only) {
  std::string names;
  for (const auto& g : generators()) {
    if (baselines_only && !g.baseline) continue;
    if (g.name == name) return g;
    names += (names.empty() ? "" : ", ") + g.name;
  }
  throw Error("unknown " + what + " '" + name + "': choose one of " + names);
}

}  // namespace

const GeneratorInfo& find_generator(const std::string& name) { return find(name, "method", false); }
const GeneratorInfo& find_baseline(const std::string& name) { return find(name, "baseline", true); }

std::string names_where(const std::function<bool(const GeneratorInfo&)>& has) {
  std::vector<std::string> names;
  for (const auto& g : generators())
    if (has(g)) names.push_back(g.name);
  std::string out;
  for (size_t i = 0; i < names.size(); ++i)
    out += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
  return out;
}

}  // namespace mop::gen
