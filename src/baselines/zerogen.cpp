// ZeroGen: the task's plain prompt (MoP's instruction without persona or exemplar), temperature 1.
#include "baselines/run_baseline.h"

namespace mop::baselines {

void zerogen(lm::LanguageModel& lm, const std::filesystem::path& out, const BaselineOptions& o,
             const lm::Progress& progress) {
  const method::Domain& domain = method::domain_by_name(o.domain);
  detail::run_baseline("zerogen", lm, out, o, nlohmann::json::object(), [&](size_t index) {
    detail::Planned p;
    p.context = detail::context_of(o, index);
    p.prompt = lm.render(std::string(), method::generation_instruction(domain, {}, p.context, o.condition));
    return p;
  }, progress);
}

}  // namespace mop::baselines
