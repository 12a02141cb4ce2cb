// The experiment runner's personas and fits, and the fit health table read back from them.
#include "experiment/runner.h"

#include <cstdio>
#include <fstream>

#include "mop/embed_open.h"
#include "mop/personas.h"
#include "mop/trainer.h"
#include "mop/util/progress.h"

namespace mop::experiment::detail {

nlohmann::json Runner::persona_spec(bool generic) const {
  const auto& p = c_.personas;
  return {{"generic", generic}, {"model", model_spec(c_.models.front())}, {"data", data_spec()}, {"encoder", c_.encoder},
          {"k", p.k}, {"per_cluster", p.per_cluster}, {"nearest", p.nearest}, {"restarts", p.kmeans_restarts},
          {"temperature", p.temperature}, {"max_tokens", p.max_tokens}, {"template", p.template_text},
          {"seed", c_.seeds.front()}, {"labels", c_.labels.mode == "persona" ? nlohmann::json(names_) : nlohmann::json()}};
}

const fs::path& Runner::personas(bool generic) {
  const fs::path& out = generic ? generic_personas_ : personas_;
  if (!out.empty()) return out;
  const fs::path file = personas_file(generic);
  step(generic ? "personas (generic, no data)" : "personas", file, persona_spec(generic), [&] {
    lm::LanguageModel& lm = model(c_.models.front().name);
    std::vector<method::Persona> ps;
    method::PersonaOptions o = c_.personas;
    o.seed = c_.seeds.front();
    util::ProgressBar bar(generic ? "personas (generic)" : "personas", static_cast<size_t>(o.k));
    const auto on_progress = [&](size_t d, size_t t) { bar.update(d, t); };
    if (generic) {
      ps = method::generic_personas(lm, o.k, c_.domain, o.seed, 1.0, o.max_tokens, on_progress);
    } else {
      std::vector<std::string> texts;
      for (const auto& r : train_) texts.push_back(r.text);
      auto encoder = embed::open_encoder(c_.encoder);
      if (encoder->fits_corpus()) encoder->fit_corpus(texts);
      const auto embeddings = embed::encode_with_progress(*encoder, texts, "embed for personas");
      ps = method::synthesize_personas(train_, embeddings, lm, o, on_progress);
    }
    bar.finish();
    if (c_.labels.mode == "persona") method::label_personas(lm, ps, names_, c_.domain);
    method::write_personas(file, ps);
  });
  (generic ? generic_personas_ : personas_) = file;
  return generic ? generic_personas_ : personas_;
}

fs::path Runner::fit(const std::string& model_name, Variant variant) {
  const std::string name = model_name + (variant == Variant::none ? "" : "-" + variant_name(variant));
  const method::RunDir run(c_.out / "fits" / name);
  if (fitted_.count(name)) return run.root();
  const bool generic = variant == Variant::generic_personas;
  const fs::path& persona_file = personas(generic);
  method::FitOptions o = c_.fit;
  o.seed = c_.seeds.front();
  o.no_exemplars = variant == Variant::no_exemplars;
  nlohmann::json spec = {{"model", model_spec(model_config(model_name))}, {"personas", persona_spec(generic)},
                         {"options", method::fit_options_to_json(o)}, {"max_records", c_.fit_max_records},
                         {"encoder", c_.encoder}};
  step("fit " + name, run.gate(), spec, [&] {
    method::FitInputs in;
    in.records = train_;
    if (c_.fit_max_records > 0 && in.records.size() > c_.fit_max_records)
      in.records = data::sample(in.records, c_.fit_max_records, o.seed);
    in.personas = method::read_personas(persona_file);
    const auto n_personas = static_cast<int>(in.personas.size());
    in.encoder = embed::open_encoder(c_.encoder);
    in.lm = &model(model_name);
    in.provenance = {{"experiment", c_.name}, {"model", in.lm->id()}};
    o.resume = fs::exists(run.config());  // an interrupted fit continues from its checkpoint
    method::EpochReport last;
    auto bar = std::make_unique<util::ProgressBar>("fit " + name + " epoch 1", 0);
    const auto step = [&](size_t d, size_t t) { bar->update(d, t); };
    method::fit(run, std::move(in), o, step, [&](const method::EpochReport& r) {
      bar->finish();
      bar = std::make_unique<util::ProgressBar>("fit " + name + " epoch " + std::to_string(r.epoch + 1), 0);
      char line[160];
      std::snprintf(line, sizeof line, ": epoch %d train loss %.4f, val ll %.4f, gate uses %.1f pairs and %.1f personas", r.epoch,
                    r.train_loss, r.val_ll, r.effective_pairs, r.effective_personas);
      say("fit " + name + line);
      last = r;
    });
    const std::string budget = method::token_budget_summary(last.exemplars_cut, last.responses_cut, last.responses_skipped, o);
    if (!budget.empty()) say("fit " + name + ": token budgets: " + budget);
    if (const auto warning = method::collapse_warning(last, n_personas, o))
      say("fit " + name + ": warning: " + *warning);
  });
  fit_personas_[name] = method::read_personas(persona_file).size();
  fitted_.insert(name);
  return run.root();
}

nlohmann::json Runner::fit_health() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& name : fitted_) {
    std::ifstream in(method::RunDir(c_.out / "fits" / name).train_log());
    std::string line, last;
    while (std::getline(in, line))
      if (!line.empty()) last = line;
    if (last.empty()) continue;
    const auto epoch = nlohmann::json::parse(last, nullptr, false);
    if (epoch.is_discarded()) continue;
    nlohmann::json row = {{"name", name}, {"personas", fit_personas_.at(name)}};
    for (const char* key : {"epoch", "effective_personas", "exemplars_per_persona", "tau_min", "tau_max",
                            "one_persona_share", "val_ll"})
      if (epoch.contains(key)) row[key] = epoch[key];
    out.push_back(row);
  }
  return out;
}

}  // namespace mop::experiment::detail
