// The config reader with the registry's generators: kept apart from config.cpp so the parser
// alone links without every generator (and the model code they reach).
#include "mop/experiment.h"
#include "mop/generators.h"

namespace mop::experiment {

Config read_config(const std::filesystem::path& path) { return read_config(path, gen::generators()); }

}  // namespace mop::experiment
