// PICLe generation: a persona drawn uniformly per sample, prompted with its K chosen exemplars.
#include <cstdio>

#include "baselines/baseline_generator.h"
#include "mop/baselines.h"
#include "method/token_budget.h"
#include "mop/error.h"
#include "util/sha256.h"

namespace mop::baselines {
namespace {

// The job's identity for resuming: personas, the pool's content and the selection settings.
nlohmann::json picle_identity(const std::vector<method::Persona>& personas, const std::vector<data::Record>& pool,
                              const PicleOptions& po) {
  util::Sha256 h;
  for (const auto& r : pool) {
    h.update(r.text.data(), r.text.size() + 1);  // with the terminating NUL as separator
    if (r.context) h.update(r.context->data(), r.context->size() + 1);
  }
  nlohmann::json persona_texts = nlohmann::json::array();
  for (const auto& p : personas) persona_texts.push_back(p.text);
  // The pool as cut (picle_candidates), so its hash also tells the budgets apart.
  return {{"personas", persona_texts}, {"pool", po.pool}, {"shots", po.shots}, {"pool_sha256", util::to_hex(h.finish())}};
}

class Picle final : public detail::BaselineGenerator {
 public:
  Picle(const gen::Inputs& in, const std::vector<data::Record>& pool, const PicleOptions& po)
      : BaselineGenerator("picle", in, picle_identity(in.personas, pool, po)), personas_(in.personas), pool_(pool) {
    std::fprintf(stderr, "mop: picle: scoring %zu candidates under %zu personas\n", pool_.size(), personas_.size());
    chosen_ = picle_select(lm_, domain_, personas_, pool_, po.shots);
  }

  gen::Planned plan(size_t index) override {
    auto rng = gen::sample_rng(options_.seed, index);
    const size_t k = gen::draw_index(rng, personas_.size());
    std::vector<method::Example> exemplars;
    nlohmann::json ids = nlohmann::json::array();
    for (size_t j : chosen_[k].candidates) {
      exemplars.push_back({pool_[j].text, pool_[j].context});
      ids.push_back(pool_[j].id);
    }
    gen::Planned p = planned(index);
    p.label = personas_[k].label;
    p.messages = lm::persona_messages(personas_[k].text, method::generation_instruction(domain_, exemplars, p.context, options_.condition));
    p.provenance.update({{"persona_id", personas_[k].id}, {"exemplar_ids", ids}, {"ratios", chosen_[k].ratios}});
    return p;
  }

 private:
  std::vector<method::Persona> personas_;
  std::vector<data::Record> pool_;
  std::vector<PicleSelection> chosen_;
};

}  // namespace

std::vector<data::Record> picle_candidates(lm::LanguageModel& lm, const std::vector<data::Record>& records,
                                           const PicleOptions& po, uint64_t seed, size_t* cut) {
  auto pool = data::sample(records, std::min(po.pool, records.size()), seed);
  if (po.max_example_tokens != 0 && po.max_example_tokens < 16)
    throw Error("--max-example-tokens must be 0 (whole) or at least 16");
  size_t n_cut = 0;
  if (po.max_example_tokens > 0 && !pool.empty()) {
    std::vector<std::string> texts;
    for (const auto& r : pool) texts.push_back(r.text);
    const auto fitted = method::fit_to_budget(lm, texts, static_cast<size_t>(po.max_example_tokens), method::kCutMarker);
    for (size_t i = 0; i < pool.size(); ++i)
      if (fitted[i].cut) {
        pool[i].text = fitted[i].text;
        ++n_cut;
      }
  }
  if (cut) *cut = n_cut;
  if (po.max_context_tokens > 0) method::cut_contexts(lm, pool, static_cast<size_t>(po.max_context_tokens));
  return pool;
}

namespace {

// The cost plan's view: the candidates scored with no persona and under each (one score() call,
// once per label part as the run does), then samples whose chosen shots random candidates stand in for.
method::LmWork picle_plan(const gen::PlanInputs& in, std::vector<std::string>& notes) {
  method::LmWork w;
  PicleOptions po;
  po.pool = in.settings.at("pool").get<size_t>();
  po.shots = in.settings.at("shots").get<int>();
  po.max_example_tokens = in.settings.at("max_example_tokens").get<int>();
  po.max_context_tokens = in.max_context_tokens;
  const auto pool = picle_candidates(*in.lm, *in.train, po, in.seed);
  std::vector<std::string> prompts, continuations;
  for (size_t p = 0; p <= in.personas.size(); ++p)
    for (const auto& c : pool) {
      prompts.push_back(in.lm->render(p == 0 ? std::string() : in.personas[p - 1].text,
                                      method::generation_instruction(*in.domain, {}, c.context)));
      continuations.push_back(c.text);
    }
  const auto pt = in.lm->count_tokens(prompts);
  const auto ct = in.lm->count_tokens(continuations);
  std::vector<method::PlannedScore> reqs;
  for (size_t i = 0; i < prompts.size(); ++i) reqs.push_back({prompts[i], pt[i], ct[i]});
  method::add_score_call(w, reqs, in.shape);
  std::mt19937_64 rng(in.seed ^ 0x91C1Eull);
  gen::plan_generations(w, *in.lm, in.n, in.max_tokens, [&](size_t i) {
    const auto& persona = in.personas[rng() % in.personas.size()];
    return in.lm->render(persona.text,
                         method::generation_instruction(*in.domain, gen::stand_in_examples(pool, static_cast<size_t>(po.shots), rng),
                                                        in.context(i), in.condition));
  });
  notes.push_back("picle: candidates are scored once per label part (as the run does); its chosen shots are stood "
                  "in for by random candidates");
  return w;
}

}  // namespace

gen::GeneratorInfo picle_info() {
  gen::GeneratorInfo info;
  info.name = "picle";
  info.summary = "per persona, the candidates most likely under it as in-context examples (Choi & Li 2024)";
  info.example = "-m model.gguf --domain movie --data train.jsonl --personas personas.jsonl --pool 200 --shots 3 -n 1000 -o picle.jsonl";
  info.needs.scores = true;
  info.needs.personas = true;
  info.needs.records = true;
  info.needs.persona_labels = true;
  const PicleOptions d;
  info.settings = {gen::Setting::integer("pool", static_cast<long long>(d.pool), "candidates scored, a seeded sample of the records", 1),
                   gen::Setting::integer("shots", d.shots, "in-context examples per persona", 1),
                   gen::Setting::integer("max_example_tokens", d.max_example_tokens,
                                         "a candidate longer than this many tokens is cut (ending \" [...]\"); 0: whole")};
  info.make = [](const gen::Inputs& in) -> std::unique_ptr<gen::Generator> {
    if (in.personas.empty()) throw Error("picle needs at least one persona");
    PicleOptions po;
    po.pool = in.settings.at("pool");
    po.shots = in.settings.at("shots");
    po.max_example_tokens = in.settings.at("max_example_tokens");
    po.max_context_tokens = in.options.max_context_tokens;
    size_t cut = 0;
    const auto pool = picle_candidates(*in.lm, in.records, po, in.options.seed, &cut);
    if (cut)
      std::fprintf(stderr, "mop: picle: %zu of %zu candidates cut to %d tokens (--max-example-tokens)\n", cut, pool.size(),
                   po.max_example_tokens);
    return std::make_unique<Picle>(in, pool, po);
  };
  info.plan = picle_plan;
  return info;
}

}  // namespace mop::baselines
