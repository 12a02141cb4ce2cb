// AttrPrompt: each sample's prompt carries one randomly drawn value of every attribute.
#include "baselines/run_baseline.h"

namespace mop::baselines {

void attrprompt(lm::LanguageModel& lm, const std::filesystem::path& out, const AttributeSet& attributes,
                const BaselineOptions& o, const lm::Progress& progress) {
  const method::Domain& domain = method::domain_by_name(o.domain);
  nlohmann::json set = nlohmann::json::array();
  for (const auto& a : attributes) set.push_back({a.name, a.values});
  detail::run_baseline("attrprompt", lm, out, o, {{"attributes", set}}, [&](size_t index) {
    detail::Planned p;
    p.context = detail::context_of(o, index);
    const auto drawn = draw_attributes(attributes, o.seed, index);
    p.prompt = lm.render(std::string(), attrprompt_instruction(domain, drawn, p.context, o.condition));
    nlohmann::json a = nlohmann::json::object();
    for (const auto& [name, value] : drawn) a[name] = value;
    p.provenance["attributes"] = a;
    return p;
  }, progress);
}

}  // namespace mop::baselines
