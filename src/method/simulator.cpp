#include "mop/simulator.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "method/resumable_output.h"
#include "mop/error.h"
#include "mop/gate.h"
#include "mop/prompts.h"
#include "mop/util/jsonl.h"

namespace mop::method {
namespace fs = std::filesystem;
namespace {

// Portable uniform draw in [0, 1) from 53 bits (std::uniform_real_distribution is not portable).
double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

int draw(const Eigen::Ref<const Eigen::VectorXd>& log_p, std::mt19937_64& rng) {
  const double u = uniform01(rng);
  double acc = 0;
  int last = -1;
  for (int i = 0; i < log_p.size(); ++i) {
    if (!std::isfinite(log_p[i])) continue;
    acc += std::exp(log_p[i]);
    last = i;
    if (u < acc) return i;
  }
  return last;  // rounding: the last possible outcome
}

struct Sample {
  size_t index;
  std::optional<std::string> context;
  std::vector<int> personas, exemplars;
  double tau = 0;
  std::string persona_text;  // merged when mixing
  uint64_t seed = 0;
};

// The `k` exemplars with the highest cosine to the persona (+ the context, when there is one);
// rows are unit-norm, so dot products are cosines. Ties go to the lower exemplar id.
std::vector<int> nearest_exemplars(const Eigen::Ref<const Eigen::RowVectorXd>& persona, const MatrixRM* contexts, size_t c,
                                   const MatrixRM& exemplars, int k) {
  Eigen::VectorXd score = exemplars * persona.transpose();
  if (contexts) score += exemplars * contexts->row(static_cast<Eigen::Index>(c)).transpose();
  std::vector<int> order(static_cast<size_t>(score.size()));
  for (size_t j = 0; j < order.size(); ++j) order[j] = static_cast<int>(j);
  const size_t keep = std::min(order.size(), static_cast<size_t>(k));
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(keep), order.end(),
                    [&](int a, int b) { return score[a] > score[b] || (score[a] == score[b] && a < b); });
  order.resize(keep);
  return order;
}

}  // namespace

void simulate(const RunDir& run, embed::Encoder& encoder, lm::LanguageModel& lm, const fs::path& out,
              const SimulateOptions& o, const lm::Progress& progress) {
  if (o.mix < 1) throw Error("--mix must be at least 1");
  if (o.chunk < 1) throw Error("chunk size must be at least 1");
  if (o.gate != "learned" && o.gate != "random-similar") throw Error("--gate must be learned or random-similar, got " + o.gate);
  if (o.similar_k < 1) throw Error("--similar-k must be at least 1");
  const bool learned = o.gate == "learned";
  if (!(o.top_p > 0 && o.top_p <= 1)) throw Error("--top-p must be in (0, 1]");
  const auto config = run.read_config();
  const auto personas = read_personas(run.personas());
  const FitOptions fitted = fit_options_from_json(config.at("options"));
  const bool no_exemplars = fitted.no_exemplars;
  const auto exemplars = no_exemplars ? std::vector<Exemplar>{} : run.read_exemplars();
  const Gate gate = Gate::load(run.gate());
  if (gate.n_personas() != static_cast<int>(personas.size()))
    throw Error(run.root().string() + ": gate.bin has " + std::to_string(gate.n_personas()) + " personas, personas.jsonl " +
                std::to_string(personas.size()));
  if (encoder.fits_corpus()) encoder.load_state(run.encoder_state());
  if (encoder.id() != config.value("encoder", encoder.id()))
    throw Error("encoder " + encoder.id() + " is not the one the run was fitted with (" + config.value("encoder", "") + ")");
  const Domain& domain = domain_by_name(fitted.domain);

  std::vector<std::string> persona_texts, exemplar_texts;
  for (const auto& p : personas) persona_texts.push_back(p.text);
  for (const auto& e : exemplars) exemplar_texts.push_back(e.text);
  const MatrixRM hg = encoder.encode(persona_texts).cast<double>();
  const MatrixRM he = no_exemplars ? MatrixRM::Zero(1, hg.cols()) : MatrixRM(encoder.encode(exemplar_texts).cast<double>());
  const auto proj = gate.project(hg, he);
  std::vector<std::string> contexts = o.contexts.empty() ? std::vector<std::string>{""} : o.contexts;
  const MatrixRM hx = encoder.encode(contexts).cast<double>();
  const double tau_init = fitted.gate.tau_init;
  if (!learned && no_exemplars) throw Error("--gate random-similar needs a run fitted with exemplars");

  // A rerun continues only the same job: same run, model and settings.
  nlohmann::json meta = {{"run", fs::absolute(run.root()).string()}, {"model", lm.id()}, {"n", o.n}, {"seed", o.seed},
                               {"max_tokens", o.max_tokens}, {"top_p", o.top_p}, {"stop", o.stop}, {"condition", o.condition},
                               {"label", o.label.value_or("")}, {"mix", o.mix}, {"contexts", o.contexts}};
  if (!learned) meta["gate"] = {{"mode", o.gate}, {"similar_k", o.similar_k}};
  ResumableOutput output(out, meta, o.n);
  const std::vector<size_t> todo = output.todo();
  for (size_t start = 0; start < todo.size(); start += o.chunk) {
    const size_t end = std::min(todo.size(), start + o.chunk);
    std::vector<Sample> samples;
    for (size_t t = start; t < end; ++t) {
      Sample s;
      s.index = todo[t];
      std::mt19937_64 rng(lm::stream_seed(o.seed, s.index));
      const size_t c = o.contexts.empty() ? 0 : s.index % contexts.size();
      if (!o.contexts.empty()) s.context = contexts[c];
      if (learned) {
        const Forward f = gate.forward(hx.row(static_cast<Eigen::Index>(c)).transpose(), proj);
        for (int l = 0; l < o.mix; ++l) {
          const int k = draw(f.log_pi, rng);
          s.personas.push_back(k);
          s.exemplars.push_back(draw(f.log_omega.row(k).transpose(), rng));
          s.tau += gate.tau()[k] / o.mix;
        }
      } else {
        for (int l = 0; l < o.mix; ++l) {
          const int k = static_cast<int>(uniform01(rng) * static_cast<double>(personas.size()));
          const auto near = nearest_exemplars(hg.row(k), o.contexts.empty() ? nullptr : &hx, c, he, o.similar_k);
          s.personas.push_back(k);
          s.exemplars.push_back(near[static_cast<size_t>(uniform01(rng) * static_cast<double>(near.size()))]);
        }
        s.tau = tau_init;
      }
      s.persona_text = personas[s.personas[0]].text;
      s.seed = lm::stream_seed(o.seed ^ 0xC0FFEEull, s.index);
      samples.push_back(std::move(s));
    }
    if (o.mix > 1) {  // merge each sample's personas into one
      std::vector<lm::GenerateRequest> merges;
      for (const auto& s : samples) {
        std::vector<std::string> texts;
        for (int k : s.personas) texts.push_back(personas[k].text);
        lm::GenerateRequest r;
        r.prompt = lm.render(std::string(), merge_instruction(texts));
        r.sampling.temperature = 0;
        r.sampling.max_tokens = 64;
        r.sampling.stop = {"\n\n"};
        merges.push_back(std::move(r));
      }
      const auto merged = lm.generate(merges);
      for (size_t i = 0; i < samples.size(); ++i) {
        const std::string m = clean_persona(merged[i].text);
        if (!m.empty()) samples[i].persona_text = m;  // else: the first persona, as drawn
      }
    }
    std::vector<lm::GenerateRequest> requests;
    for (const auto& s : samples) {
      std::vector<Example> ex;
      if (!no_exemplars)
        for (int j : s.exemplars) ex.push_back({exemplars[j].text, exemplars[j].context});
      lm::GenerateRequest r;
      r.prompt = lm.render(s.persona_text, generation_instruction(domain, ex, s.context, o.condition));
      r.sampling.temperature = s.tau;
      r.sampling.top_p = o.top_p;
      r.sampling.max_tokens = o.max_tokens;
      r.sampling.stop = o.stop;
      r.sampling.seed = s.seed;
      requests.push_back(std::move(r));
    }
    const auto texts = lm.generate(requests);
    std::vector<std::pair<size_t, std::string>> lines;
    for (size_t i = 0; i < samples.size(); ++i) {
      const auto& s = samples[i];
      nlohmann::json j = {{"index", s.index}, {"text", texts[i].text}};
      if (s.context) j["context"] = *s.context;
      if (o.label) j["label"] = *o.label;
      else if (!o.condition.empty()) j["label"] = o.condition;
      else if (personas[s.personas[0]].label) j["label"] = *personas[s.personas[0]].label;
      nlohmann::json prov = {{"persona_id", s.personas[0]}, {"exemplar_id", s.exemplars[0]}, {"tau", s.tau},
                             {"seed", s.seed}, {"model", lm.id()}, {"run", run.root().string()},
                             {"finish_reason", texts[i].finish_reason}};
      if (o.mix > 1) {
        prov["persona_ids"] = s.personas;
        prov["exemplar_ids"] = s.exemplars;
        prov["merged_persona"] = s.persona_text;
      }
      j["provenance"] = prov;
      lines.emplace_back(s.index, util::dump_json_line(j));
    }
    output.append(lines);
    if (progress) progress(output.finished(), o.n);
  }
  output.finish();
}

}  // namespace mop::method
