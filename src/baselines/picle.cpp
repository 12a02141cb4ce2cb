// PICLe generation: a persona drawn uniformly per sample, prompted with its K chosen exemplars.
#include <cstdio>

#include "baselines/run_baseline.h"
#include "embed/sha256.h"
#include "mop/error.h"

namespace mop::baselines {

void picle(lm::LanguageModel& lm, const std::filesystem::path& out, const std::vector<method::Persona>& personas,
           const std::vector<data::Record>& records, const PicleOptions& po, const BaselineOptions& o,
           const lm::Progress& progress) {
  if (personas.empty()) throw Error("picle needs at least one persona");
  if (po.pool < 1) throw Error("--pool must be at least 1");
  const method::Domain& domain = method::domain_by_name(o.domain);
  const auto pool = data::sample(records, std::min(po.pool, records.size()), o.seed);
  std::fprintf(stderr, "mop: picle: scoring %zu candidates under %zu personas\n", pool.size(), personas.size());
  const auto chosen = picle_select(lm, domain, personas, pool, po.shots);

  // The job's identity for resuming: personas, the pool's content and the selection settings.
  embed::detail::Sha256 h;
  for (const auto& r : pool) {
    h.update(r.text.data(), r.text.size() + 1);  // with the terminating NUL as separator
    if (r.context) h.update(r.context->data(), r.context->size() + 1);
  }
  nlohmann::json persona_texts = nlohmann::json::array();
  for (const auto& p : personas) persona_texts.push_back(p.text);
  const nlohmann::json settings = {{"personas", persona_texts}, {"pool", po.pool}, {"shots", po.shots},
                                   {"pool_sha256", embed::detail::to_hex(h.finish())}};

  detail::run_baseline("picle", lm, out, o, settings, [&](size_t index) {
    auto rng = detail::sample_rng(o.seed, index);
    const size_t k = detail::draw_index(rng, personas.size());
    std::vector<method::Example> exemplars;
    nlohmann::json ids = nlohmann::json::array();
    for (size_t j : chosen[k].candidates) {
      exemplars.push_back({pool[j].text, pool[j].context});
      ids.push_back(pool[j].id);
    }
    detail::Planned p;
    p.context = detail::context_of(o, index);
    p.label = personas[k].label;
    p.prompt = lm.render(personas[k].text, method::generation_instruction(domain, exemplars, p.context, o.condition));
    p.provenance = {{"persona_id", personas[k].id}, {"exemplar_ids", ids}, {"ratios", chosen[k].ratios}};
    return p;
  }, progress);
}

}  // namespace mop::baselines
