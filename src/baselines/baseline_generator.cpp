#include "baselines/baseline_generator.h"

#include "mop/error.h"

namespace mop::baselines::detail {

BaselineGenerator::BaselineGenerator(std::string method, const gen::Inputs& in, nlohmann::json settings)
    : method_(std::move(method)), lm_(*in.lm), domain_(method::domain_by_name(in.domain)), options_(in.options),
      temperature_(in.temperature), settings_(std::move(settings)) {
  if (!(temperature_ >= 0)) throw Error("--temperature must be at least 0");
}

nlohmann::json BaselineGenerator::identity() const {
  return {{"method", method_}, {"domain", domain_.name}, {"temperature", temperature_}, {"settings", settings_}};
}

gen::Planned BaselineGenerator::planned(size_t index) const {
  gen::Planned p;
  p.context = gen::context_of(options_, index);
  p.temperature = temperature_;
  p.provenance = {{"method", method_}, {"temperature", temperature_}};
  return p;
}

}  // namespace mop::baselines::detail
