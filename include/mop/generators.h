#pragma once
// The registry of generators: MoP and every baseline, by name. Callers (mop baseline, mop
// experiment) look a generator up here, load what its Needs say, normalise its settings and make
// it; nothing else names a generator. Adding one = its own file (a gen::Generator and a function
// returning its GeneratorInfo) + one line in src/baselines/generators.cpp.
#include <string>
#include <vector>

#include "mop/generator.h"

namespace mop::gen {

// MoP, the method under study: experiments compare every other generator, its ablations,
// mixing levels and transfers with it.
inline constexpr const char* kMop = "mop";

// Every generator, in the order lists and tables show them.
const std::vector<GeneratorInfo>& generators();
// The names of generators with baseline (run by `mop baseline`) set, in registry order.
std::vector<std::string> baseline_names();
// The generator called `name`; throws mop::Error naming the choices.
const GeneratorInfo& find_generator(const std::string& name);
// A baseline called `name`; throws mop::Error ("unknown baseline 'x': choose one of ...").
const GeneratorInfo& find_baseline(const std::string& name);
// "a", "a and b", "a, b and c": the names of the generators for which `has` holds.
std::string names_where(const std::function<bool(const GeneratorInfo&)>& has);

}  // namespace mop::gen
