// The experiment runner's synthetic sets: each set's label parts generated, then merged.
#include "experiment/runner.h"

#include "mop/embed_open.h"
#include "mop/generators.h"
#include "mop/personas.h"
#include "mop/util/atomic_file.h"
#include "mop/util/jsonl.h"
#include "mop/util/progress.h"

namespace mop::experiment::detail {

void Runner::produce(const SetPlan& set) {
  const gen::GeneratorInfo& info = gen::find_generator(set.method);
  // Generators that read labelled personas take their persona's label when the experiment
  // labels personas; one that needs every label makes them all in one file; the others
  // generate under each label's condition.
  const bool conditioned =
      info.needs.persona_labels ? c_.labels.mode == "condition" : info.needs.all_labels.empty();
  const auto ps = parts(conditioned);
  fs::path run;
  if (info.needs.run) {
    run = fit(set.fit_model, fit_variant(set.variant));
  } else if (info.needs.personas) {
    personas(false);
  }
  nlohmann::json spec = {{"set", set.name}, {"method", set.method}, {"variant", variant_name(set.variant)}, {"mix", set.mix},
                         {"fit", set.fit_model}, {"simulate", model_spec(model_config(set.simulate_model))},
                         {"seed", set.seed}, {"samples", c_.samples}, {"labels", label_spec()},
                         {"max_tokens", c_.generation.max_tokens}, {"top_p", c_.generation.top_p},
                         {"stop", c_.generation.stop}, {"max_context_tokens", c_.generation.max_context_tokens}};
  if (!info.needs.run) spec["temperature"] = c_.baseline_temperature;
  if (const auto it = c_.settings.find(set.method); it != c_.settings.end() && !it->second.empty())
    spec[set.method] = it->second;
  if (info.needs.encoder && !info.needs.run) spec["encoder"] = c_.encoder;
  if (set.variant == Variant::random_personas) spec["similar_k"] = c_.similar_k;
  step("set " + set.name, set.output, spec, [&] {
    std::vector<fs::path> files;
    for (size_t i = 0; i < ps.size(); ++i) {
      const fs::path part = ps.size() == 1 ? set.output.string() + ".part.jsonl"
                                           : set.output.string() + ".part" + std::to_string(i) + ".jsonl";
      generate_part(set, info, run, ps[i], part);
      files.push_back(part);
    }
    merge(files, set.output);
    for (const auto& f : files) fs::remove(f);
  });
}

nlohmann::json Runner::set_settings(const SetPlan& set, const gen::GeneratorInfo& info) const {
  return detail::set_settings(c_, set, info);
}

void Runner::generate_part(const SetPlan& set, const gen::GeneratorInfo& info, const fs::path& run, const Part& part,
                           const fs::path& out) {
  if (fs::exists(out)) return;  // finished before an interruption
  lm::LanguageModel& lm = model(set.simulate_model);
  gen::Inputs in;
  in.lm = &lm;
  in.options.n = part.n;
  in.options.seed = set.seed;
  in.options.max_tokens = c_.generation.max_tokens;
  in.options.top_p = c_.generation.top_p;
  in.options.stop = c_.generation.stop;
  in.options.condition = part.condition;
  in.options.label = part.label;
  in.options.contexts = contexts_for(part.label);
  in.options.chunk = c_.generation.chunk;
  in.options.max_context_tokens = c_.generation.max_context_tokens;
  gen::budget_contexts(lm, in.options);
  in.domain = c_.domain;
  in.temperature = c_.baseline_temperature;
  in.settings = set_settings(set, info);
  in.classes = detail::set_classes(c_, {names_, shares_}, set, info);
  in.run = run;
  if (info.needs.personas) in.personas = method::read_personas(personas(false));
  if (info.needs.records) in.records = train_;
  std::shared_ptr<embed::Encoder> encoder;
  if (info.needs.encoder) {
    encoder = embed::open_encoder(c_.encoder);
    in.encoder = encoder.get();
  }
  auto generator = info.make(in);
  util::ProgressBar bar("set " + set.name, in.options.n);
  gen::run_generator(*generator, lm, out, in.options, [&](size_t d, size_t t) { bar.update(d, t); });
}

void Runner::merge(const std::vector<fs::path>& parts, const fs::path& out) {
  std::string text;
  size_t index = 0;
  for (const auto& p : parts)
    for (auto& line : util::read_jsonl_objects(p.string())) {
      nlohmann::json j = line.value;
      j["index"] = index++;
      text += util::dump_json_line(j) + "\n";
    }
  util::write_file_atomic(out, text);
}

}  // namespace mop::experiment::detail
