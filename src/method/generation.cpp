// The one generation loop every generator runs through (see mop/generator.h).
#include <algorithm>

#include "method/resumable_output.h"
#include "method/token_budget.h"
#include "mop/error.h"
#include "mop/generator.h"
#include "mop/util/jsonl.h"

namespace mop::gen {
namespace {

void check(const GenerationOptions& o) {
  if (o.chunk < 1) throw Error("chunk size must be at least 1");
  if (!(o.top_p > 0 && o.top_p <= 1)) throw Error("--top-p must be in (0, 1]");
  if (o.max_tokens < 1) throw Error("--max-tokens must be at least 1");
}

nlohmann::json job_identity(const Generator& g, const lm::LanguageModel& lm, const GenerationOptions& o) {
  nlohmann::json meta = {{"model", lm.id()}, {"n", o.n}, {"seed", o.seed}, {"max_tokens", o.max_tokens},
                         {"top_p", o.top_p}, {"stop", o.stop}, {"condition", o.condition},
                         {"label", o.label.value_or("")}, {"contexts", o.contexts}};  // as cut (budget_contexts)
  meta.update(g.identity());
  return meta;
}

lm::GenerateRequest request(const lm::LanguageModel& lm, const Planned& p, const GenerationOptions& o, size_t index) {
  lm::GenerateRequest r = lm.request(p.messages);
  r.sampling.temperature = p.temperature;
  r.sampling.top_p = o.top_p;
  r.sampling.max_tokens = o.max_tokens;
  r.sampling.stop = o.stop;
  r.sampling.seed = lm::stream_seed(o.seed ^ 0xC0FFEEull, index);  // independent of the plan's draws
  return r;
}

std::string record_line(size_t index, const Planned& p, const lm::GenerateRequest& r, const lm::Generation& g,
                        const lm::LanguageModel& lm, const GenerationOptions& o) {
  nlohmann::json j = {{"index", index}, {"text", g.text}};
  if (p.context) j["context"] = *p.context;
  if (o.label) j["label"] = *o.label;
  else if (!o.condition.empty()) j["label"] = o.condition;
  else if (p.label) j["label"] = *p.label;
  nlohmann::json prov = {{"model", lm.id()}, {"seed", r.sampling.seed}, {"finish_reason", g.finish_reason}};
  prov.update(p.provenance);
  j["provenance"] = prov;
  return util::dump_json_line(j);
}

void generate_chunk(Generator& g, lm::LanguageModel& lm, const GenerationOptions& o, const std::vector<size_t>& indices,
                    method::ResumableOutput& output) {
  g.prepare_chunk(indices);
  std::vector<Planned> planned;
  std::vector<lm::GenerateRequest> requests;
  for (size_t index : indices) {
    planned.push_back(g.plan(index));
    requests.push_back(request(lm, planned.back(), o, index));
  }
  const auto texts = lm.generate(requests);
  std::vector<std::pair<size_t, std::string>> lines;
  for (size_t i = 0; i < indices.size(); ++i)
    lines.emplace_back(indices[i], record_line(indices[i], planned[i], requests[i], texts[i], lm, o));
  output.append(lines);
}

}  // namespace

void run_generator(Generator& g, lm::LanguageModel& lm, const std::filesystem::path& out, const GenerationOptions& o,
                   const lm::Progress& progress) {
  check(o);
  method::ResumableOutput output(out, job_identity(g, lm, o), o.n);
  const std::vector<size_t> todo = output.todo();
  for (size_t stage = 0; stage < g.stages(); ++stage) {
    std::vector<size_t> left;
    for (size_t i : todo)
      if (g.stage_of(i) == stage) left.push_back(i);
    if (left.empty()) continue;  // finished by an earlier run
    g.begin_stage(stage, output.lines());
    for (size_t start = 0; start < left.size(); start += o.chunk) {
      const size_t end = std::min(left.size(), start + o.chunk);
      generate_chunk(g, lm, o, std::vector<size_t>(left.begin() + static_cast<std::ptrdiff_t>(start),
                                                   left.begin() + static_cast<std::ptrdiff_t>(end)), output);
      if (progress) progress(output.finished(), o.n);
    }
  }
  output.finish();
}

std::mt19937_64 sample_rng(uint64_t seed, size_t index) { return std::mt19937_64(lm::stream_seed(seed, index)); }

double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

size_t draw_index(std::mt19937_64& rng, size_t n) {
  return std::min(n - 1, static_cast<size_t>(uniform01(rng) * static_cast<double>(n)));
}

size_t budget_contexts(lm::LanguageModel& lm, GenerationOptions& o) {
  if (o.max_context_tokens != 0 && o.max_context_tokens < 16)
    throw Error("--max-context-tokens must be 0 (whole) or at least 16");
  if (o.max_context_tokens == 0 || o.contexts.empty()) return 0;
  const auto fitted = method::fit_to_budget(lm, o.contexts, static_cast<size_t>(o.max_context_tokens), method::kCutMarker);
  size_t cut = 0;
  for (size_t i = 0; i < fitted.size(); ++i)
    if (fitted[i].cut) {
      o.contexts[i] = fitted[i].text;
      ++cut;
    }
  if (cut)
    std::fprintf(stderr, "mop: %zu of %zu contexts cut to %d tokens (--max-context-tokens)\n", cut, o.contexts.size(),
                 o.max_context_tokens);
  return cut;
}

std::optional<std::string> context_of(const GenerationOptions& o, size_t index) {
  if (o.contexts.empty()) return std::nullopt;
  return o.contexts[index % o.contexts.size()];
}

}  // namespace mop::gen
