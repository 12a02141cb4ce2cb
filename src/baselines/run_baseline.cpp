#include "baselines/run_baseline.h"

#include <algorithm>

#include "mop/error.h"
#include "mop/util/jsonl.h"

namespace mop::baselines::detail {

std::mt19937_64 sample_rng(uint64_t seed, size_t index) { return std::mt19937_64(lm::stream_seed(seed, index)); }

size_t draw_index(std::mt19937_64& rng, size_t n) {
  const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;  // [0, 1) from 53 bits
  return std::min(n - 1, static_cast<size_t>(u * static_cast<double>(n)));
}

std::optional<std::string> context_of(const BaselineOptions& o, size_t index) {
  if (o.contexts.empty()) return std::nullopt;
  return o.contexts[index % o.contexts.size()];
}

method::ResumableOutput open_output(const std::string& method, lm::LanguageModel& lm, const std::filesystem::path& out,
                                    const BaselineOptions& o, const nlohmann::json& settings) {
  if (o.chunk < 1) throw Error("chunk size must be at least 1");
  if (!(o.top_p > 0 && o.top_p <= 1)) throw Error("--top-p must be in (0, 1]");
  if (!(o.temperature >= 0)) throw Error("--temperature must be at least 0");
  if (o.max_tokens < 1) throw Error("--max-tokens must be at least 1");
  const nlohmann::json meta = {{"method", method}, {"model", lm.id()}, {"n", o.n}, {"seed", o.seed},
                               {"domain", o.domain}, {"temperature", o.temperature}, {"top_p", o.top_p},
                               {"max_tokens", o.max_tokens}, {"stop", o.stop}, {"condition", o.condition},
                               {"label", o.label.value_or("")}, {"contexts", o.contexts}, {"settings", settings}};
  return method::ResumableOutput(out, meta, o.n);
}

void generate_into(method::ResumableOutput& output, const std::string& method, lm::LanguageModel& lm,
                   const BaselineOptions& o, const std::vector<size_t>& todo, const std::function<Planned(size_t)>& plan,
                   const lm::Progress& progress) {
  for (size_t start = 0; start < todo.size(); start += o.chunk) {
    const size_t end = std::min(todo.size(), start + o.chunk);
    std::vector<Planned> planned;
    std::vector<lm::GenerateRequest> requests;
    for (size_t t = start; t < end; ++t) {
      planned.push_back(plan(todo[t]));
      lm::GenerateRequest r;
      r.prompt = planned.back().prompt;
      r.sampling.temperature = o.temperature;
      r.sampling.top_p = o.top_p;
      r.sampling.max_tokens = o.max_tokens;
      r.sampling.stop = o.stop;
      r.sampling.seed = lm::stream_seed(o.seed ^ 0xC0FFEEull, todo[t]);  // independent of the plan's draws
      requests.push_back(std::move(r));
    }
    const auto texts = lm.generate(requests);
    std::vector<std::pair<size_t, std::string>> lines;
    for (size_t i = 0; i < planned.size(); ++i) {
      const size_t index = todo[start + i];
      const Planned& p = planned[i];
      nlohmann::json j = {{"index", index}, {"text", texts[i].text}};
      if (p.context) j["context"] = *p.context;
      if (o.label) j["label"] = *o.label;
      else if (!o.condition.empty()) j["label"] = o.condition;
      else if (p.label) j["label"] = *p.label;
      nlohmann::json prov = {{"method", method}, {"model", lm.id()}, {"seed", requests[i].sampling.seed},
                             {"temperature", o.temperature}, {"finish_reason", texts[i].finish_reason}};
      prov.update(p.provenance);
      j["provenance"] = prov;
      lines.emplace_back(index, util::dump_json_line(j));
    }
    output.append(lines);
    if (progress) progress(output.finished(), o.n);
  }
}

void run_baseline(const std::string& method, lm::LanguageModel& lm, const std::filesystem::path& out,
                  const BaselineOptions& o, const nlohmann::json& settings, const std::function<Planned(size_t)>& plan,
                  const lm::Progress& progress) {
  auto output = open_output(method, lm, out, o, settings);
  generate_into(output, method, lm, o, output.todo(), plan, progress);
  output.finish();
}

}  // namespace mop::baselines::detail
