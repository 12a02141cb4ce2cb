#pragma once
// What every baseline shares on top of gen::Generator: its name, domain and temperature in the
// job's identity and in each record's provenance, and sample i planned from its own random stream
// (gen::sample_rng), so the file is the same whatever the chunking.
#include <string>

#include <nlohmann/json.hpp>

#include "mop/generator.h"
#include "mop/prompts.h"

namespace mop::baselines::detail {

class BaselineGenerator : public gen::Generator {
 public:
  // `settings`: the method's own, as they join the job's identity in OUT.partial.json.
  BaselineGenerator(std::string method, const gen::Inputs& in, nlohmann::json settings);

  nlohmann::json identity() const override;

 protected:
  // A plan with the shared parts filled in: context, temperature, provenance method and temperature.
  gen::Planned planned(size_t index) const;

  std::string method_;
  lm::LanguageModel& lm_;
  const method::Domain& domain_;
  gen::GenerationOptions options_;
  double temperature_;
  nlohmann::json settings_;
};

}  // namespace mop::baselines::detail
