// AttrPrompt: each sample's prompt carries one randomly drawn value of every attribute.
#include "baselines/baseline_generator.h"
#include "mop/baselines.h"

namespace mop::baselines {
namespace {

nlohmann::json attribute_json(const AttributeSet& attributes) {
  nlohmann::json set = nlohmann::json::array();
  for (const auto& a : attributes) set.push_back({a.name, a.values});
  return set;
}

class Attrprompt final : public detail::BaselineGenerator {
 public:
  Attrprompt(const gen::Inputs& in, AttributeSet attributes)
      : BaselineGenerator("attrprompt", in, {{"attributes", attribute_json(attributes)}}), attributes_(std::move(attributes)) {}

  gen::Planned plan(size_t index) override {
    gen::Planned p = planned(index);
    const auto drawn = draw_attributes(attributes_, options_.seed, index);
    p.messages = lm::persona_messages(std::string(), attrprompt_instruction(domain_, drawn, p.context, options_.condition));
    nlohmann::json a = nlohmann::json::object();
    for (const auto& [name, value] : drawn) a[name] = value;
    p.provenance["attributes"] = a;
    return p;
  }

 private:
  AttributeSet attributes_;
};

}  // namespace

gen::GeneratorInfo attrprompt_info() {
  gen::GeneratorInfo info;
  info.name = "attrprompt";
  info.summary = "one random value of each attribute (subtopic, length, style, ...) per prompt (Yu et al. 2023)";
  info.example = "-m model.gguf --domain news -n 1000 [--attributes attrs.json] -o ap.jsonl";
  info.settings = {gen::Setting::path("attributes", "JSON {\"attribute\": [\"value\", ...]} (default: the domain's set)")};
  info.make = [](const gen::Inputs& in) {
    const std::string file = in.settings.at("attributes");
    return std::make_unique<Attrprompt>(in, file.empty() ? domain_attributes(in.domain) : read_attributes(file));
  };
  // The cost plan: each sample's real prompt, its attributes drawn as the run draws them.
  info.plan = [](const gen::PlanInputs& in, std::vector<std::string>&) {
    const std::string file = in.settings.at("attributes").get<std::string>();
    const auto attributes = file.empty() ? domain_attributes(in.domain->name) : read_attributes(file);
    method::LmWork w;
    gen::plan_generations(w, *in.lm, in.n, in.max_tokens, [&](size_t i) {
      return in.lm->render(std::string(), attrprompt_instruction(*in.domain, draw_attributes(attributes, in.seed, i),
                                                                 in.context(i), in.condition));
    });
    return w;
  };
  return info;
}

}  // namespace mop::baselines
