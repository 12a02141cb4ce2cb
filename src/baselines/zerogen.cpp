// ZeroGen: the task's plain prompt (MoP's instruction without persona or exemplar), temperature 1.
#include "baselines/baseline_generator.h"
#include "mop/baselines.h"

namespace mop::baselines {
namespace {

class Zerogen final : public detail::BaselineGenerator {
 public:
  explicit Zerogen(const gen::Inputs& in) : BaselineGenerator("zerogen", in, nlohmann::json::object()) {}

  gen::Planned plan(size_t index) override {
    gen::Planned p = planned(index);
    p.messages = lm::persona_messages(std::string(), method::generation_instruction(domain_, {}, p.context, options_.condition));
    return p;
  }
};

}  // namespace

gen::GeneratorInfo zerogen_info() {
  gen::GeneratorInfo info;
  info.name = "zerogen";
  info.summary = "the task's plain prompt: no persona, no exemplar (Ye et al. 2022)";
  info.example = "-m model.gguf --domain movie -n 1000 --condition 'You had a positive impression.' --label positive -o zg.jsonl";
  info.make = [](const gen::Inputs& in) { return std::make_unique<Zerogen>(in); };
  info.plan = [](const gen::PlanInputs& in, std::vector<std::string>&) { return gen::plain_plan(in); };
  return info;
}

}  // namespace mop::baselines
