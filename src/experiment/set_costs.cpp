// Each generator's LM work for one part of a set, counted on its prompts before the run.
#include "experiment/set_costs.h"

#include <algorithm>
#include <functional>
#include <random>

#include "mop/baselines.h"
#include "mop/error.h"

namespace mop::experiment::detail {
namespace {

// Prompts counted per part; the rest of the part takes their mean. Prompts of one generator are
// alike in length, and counting every prompt of 5,000-sample sets would cost the plan seconds.
constexpr size_t kSampledPrompts = 256;

// `n` generations of prompt(i) with max_tokens each: prompt tokens counted on an even sample.
void add_generations(method::LmWork& w, lm::LanguageModel& lm, size_t n, int max_tokens,
                     const std::function<std::string(size_t)>& prompt) {
  if (n == 0) return;
  const size_t step = std::max<size_t>(1, n / kSampledPrompts);
  std::vector<std::string> prompts;
  for (size_t i = 0; i < n; i += step) prompts.push_back(prompt(i));
  size_t tokens = 0;
  for (size_t t : lm.count_tokens(prompts)) tokens += t;
  w.generate_requests += n;
  w.generate_prompt_tokens += static_cast<size_t>(static_cast<double>(tokens) / static_cast<double>(prompts.size()) * n + 0.5);
  w.generate_max_tokens += n * static_cast<size_t>(max_tokens);
}

std::optional<std::string> context_of(const PartInputs& p, size_t i) {
  if (p.contexts.empty()) return std::nullopt;
  return p.contexts[i % p.contexts.size()];
}

// Stand-in exemplars: `k` training records from a seeded draw (the run's choice depends on what it
// learns or scores).
std::vector<method::Example> some_records(const std::vector<data::Record>& train, size_t k, std::mt19937_64& rng) {
  std::vector<method::Example> out;
  for (size_t i = 0; i < k && !train.empty(); ++i) {
    const auto& r = train[rng() % train.size()];
    out.push_back({r.text, r.context});
  }
  return out;
}

method::LmWork mop_work(const SetPlan& set, const nlohmann::json& settings, const SetInputs& in, const PartInputs& part,
                        std::vector<std::string>& notes) {
  method::LmWork w;
  const int mix = settings.at("mix").get<int>();
  const size_t k = in.personas.size();
  if (k == 0) throw Error("plan: set " + set.name + " has no personas");
  std::mt19937_64 rng(part.seed ^ 0x5E7ull);
  const auto draw = [&](size_t) {
    std::vector<size_t> personas;
    std::vector<method::Example> ex;
    for (int l = 0; l < mix; ++l) {
      personas.push_back(rng() % k);
      if (!in.exemplars.empty()) ex.push_back(in.exemplars[rng() % in.exemplars.size()]);
    }
    return std::make_pair(personas, ex);
  };
  if (mix > 1) {
    // MopGenerator::merge_personas: one greedy merge of the sample's L personas, at most 64 tokens.
    add_generations(w, *in.lm, part.n, 64, [&](size_t) {
      std::vector<std::string> texts;
      for (size_t p : draw(0).first) texts.push_back(in.personas[p].text);
      return in.lm->render(std::string(), method::merge_instruction(texts));
    });
    notes.push_back("mixing sets: each merged persona (at most 64 tokens) is stood in for by one of the personas it merges");
  }
  add_generations(w, *in.lm, part.n, in.generation.max_tokens, [&](size_t i) {
    const auto [personas, ex] = draw(i);
    return in.lm->render(in.personas[personas.front()].text,
                         method::generation_instruction(*in.domain, ex, context_of(part, i), part.condition));
  });
  notes.push_back("mop sets: personas and exemplars drawn uniformly, standing in for the gate's draws");
  return w;
}

method::LmWork picle_work(const nlohmann::json& settings, const SetInputs& in, const PartInputs& part,
                          std::vector<std::string>& notes) {
  method::LmWork w;
  baselines::PicleOptions po;
  po.pool = settings.at("pool").get<size_t>();
  po.shots = settings.at("shots").get<int>();
  po.max_example_tokens = settings.at("max_example_tokens").get<int>();
  po.max_context_tokens = in.generation.max_context_tokens;
  const size_t shots = static_cast<size_t>(po.shots);
  const auto pool = baselines::picle_candidates(*in.lm, *in.train, po, part.seed);
  // picle_select: every candidate with no persona and under each persona, in one score() call.
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
  std::mt19937_64 rng(part.seed ^ 0x91C1Eull);
  add_generations(w, *in.lm, part.n, in.generation.max_tokens, [&](size_t i) {
    const auto& persona = in.personas[rng() % in.personas.size()];
    return in.lm->render(persona.text, method::generation_instruction(*in.domain, some_records(pool, shots, rng),
                                                                      context_of(part, i), part.condition));
  });
  notes.push_back("picle: candidates are scored once per label part (as the run does); its chosen shots are stood "
                  "in for by random candidates");
  return w;
}

method::LmWork progen_work(const nlohmann::json& settings, const SetInputs& in, const PartInputs& part,
                           std::vector<std::string>& notes) {
  method::LmWork w;
  std::vector<baselines::ProgenClass> classes;
  for (const auto& c : settings.at("classes")) classes.push_back(baselines::parse_progen_class(c.get<std::string>()));
  if (classes.empty()) throw Error("plan: progen has no classes");
  const int rounds = settings.at("rounds").get<int>();
  const size_t shots = settings.at("shots").get<size_t>();
  const size_t first_feedback = baselines::progen_round_start(part.n, rounds, 1);
  std::mt19937_64 rng(part.seed ^ 0x960Eull);
  add_generations(w, *in.lm, part.n, in.generation.max_tokens, [&](size_t i) {
    const auto& c = classes[i % classes.size()];
    // Rounds after the first show `shots` of the set's own samples: training records stand in.
    const auto ex = rounds > 1 && i >= first_feedback ? some_records(*in.train, shots, rng) : std::vector<method::Example>{};
    return in.lm->render(std::string(), method::generation_instruction(*in.domain, ex, context_of(part, i), c.condition));
  });
  if (rounds > 1) notes.push_back("progen: the samples its later rounds show are stood in for by training records");
  return w;
}

}  // namespace

method::LmWork set_part_work(const SetPlan& set, const gen::GeneratorInfo& info, const nlohmann::json& settings,
                             const SetInputs& in, const PartInputs& part, std::vector<std::string>& notes) {
  if (info.needs.run) return mop_work(set, settings, in, part, notes);
  if (info.name == "picle") return picle_work(settings, in, part, notes);
  if (info.name == "progen") return progen_work(settings, in, part, notes);
  method::LmWork w;
  if (info.name == "attrprompt") {
    const std::string file = settings.at("attributes").get<std::string>();
    const auto attributes = file.empty() ? baselines::domain_attributes(in.domain->name) : baselines::read_attributes(file);
    add_generations(w, *in.lm, part.n, in.generation.max_tokens, [&](size_t i) {
      return in.lm->render(std::string(), baselines::attrprompt_instruction(
                                              *in.domain, baselines::draw_attributes(attributes, part.seed, i),
                                              context_of(part, i), part.condition));
    });
    return w;
  }
  if (info.name != "zerogen")
    notes.push_back("set " + set.name + ": " + info.name + " is not known to the plan; counted as plain prompts");
  add_generations(w, *in.lm, part.n, in.generation.max_tokens, [&](size_t i) {
    return in.lm->render(std::string(), method::generation_instruction(*in.domain, {}, context_of(part, i), part.condition));
  });
  return w;
}

}  // namespace mop::experiment::detail
