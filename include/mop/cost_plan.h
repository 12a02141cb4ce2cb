#pragma once
// A cost plan: what a run will ask of its language models, step by step, and how long that
// should take, before anything is started (`mop fit --plan`, `mop experiment --plan`). Users of
// paid or shared servers decide from it whether to start.
//
// Counts are of LM requests and tokens: scored (prompt + continuation, as LanguageModel::score
// sees them) and generated (prompts fed, and n x max_tokens new tokens: an upper bound, since a
// sample may stop early). Time comes from a short probe of the model itself (probe_rates): seconds
// per prompt token fed, per continuation token scored and per token generated, at the model's
// own parallelism, times the planned tokens. Prompt tokens fed by score() are fewer than the
// prompt tokens it is asked for, because prompts that share a prefix feed it once; the plan
// replays score()'s own visiting order to estimate them (fed_prompt_tokens).
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mop/lm.h"

namespace mop::method {

// LM work of one step (or a sum of steps).
struct LmWork {
  size_t score_requests = 0;
  size_t score_prompt_tokens = 0;  // summed over requests, before prefix sharing
  size_t score_prompt_fed = 0;     // estimated prompt tokens score() really feeds (prefixes shared)
  size_t score_continuation_tokens = 0;
  size_t generate_requests = 0;
  size_t generate_prompt_tokens = 0;
  size_t generate_max_tokens = 0;  // requests x max_tokens: an upper bound of the tokens generated
  LmWork& operator+=(const LmWork& o);
  bool empty() const { return score_requests == 0 && generate_requests == 0; }
};

// Seconds per token, measured on the model (see probe_rates). Unknown for models that cannot be
// probed (HTTP endpoints: probing a paid or shared server is what the plan exists to avoid).
struct LmRates {
  bool known = false;
  std::string why_unknown;   // when !known, in words
  double prompt_s = 0;       // per prompt token fed (scoring and generation prompts)
  double continuation_s = 0; // per continuation token scored
  double generate_s = 0;     // per token generated, with the model's parallel sequences in flight
  double load_s = 0;         // opening the model, as measured when the plan opened it
  double probe_s = 0;        // how long the probe itself took
};

// One step of a run, as the run will take it.
struct PlannedStep {
  std::string name;   // as the run's log names it ("fit stories", "set mop", ...)
  std::string model;  // the model it uses ("" for steps without LM work)
  LmWork work;
  std::string status = "to run";  // "to run", "done (skipped)", "continues (partly done)"
  std::vector<std::string> notes; // what is an estimate or a bound, in words
  std::optional<double> seconds;  // estimated time; nullopt when unknown
};

// The score() shape of a model: sequences decoded together and the KV cells they share.
struct ScoreShape {
  int parallel = 32;
  int ctx = 4096;
  bool streams = false;  // one KV stream per continuation (--kv-layout streams): no round clears the cache
};

// One score() request as the plan sees it: the prompt's text (for its prefixes) and token counts.
struct PlannedScore {
  std::string prompt;
  size_t prompt_tokens = 0;
  size_t continuation_tokens = 0;
};

// Prompt tokens one score() call over `requests` will feed: it visits distinct prompts in
// lexicographic order, keeps the prefix a prompt shares with the one before, and, in the shared
// cache, starts again from an empty cache after a round of up to `parallel` continuations that
// moved between prompts (src/lm/llama_score.cpp; in streams the prompt's stream is never cleared,
// src/lm/llama_score_streams.cpp). Shared prefixes are measured in characters and converted to tokens in
// proportion, so this is an estimate.
size_t fed_prompt_tokens(const std::vector<PlannedScore>& requests, const ScoreShape& shape);

// Adds one score() call of `requests` to `work`.
void add_score_call(LmWork& work, const std::vector<PlannedScore>& requests, const ScoreShape& shape);

// What the probe runs: requests like the plan's own (a prompt of the first fit batch, real
// records as continuations, a generation prompt of a set).
struct ProbeSample {
  std::vector<std::string> score_prompts;  // distinct prompts, as planned
  std::vector<std::string> continuations;  // real responses
  std::string generate_prompt;  // "": the plan generates nothing, so no generation is timed
  int max_tokens = 32;  // tokens per probe generation beyond the first 2 (no more than the run's)
};

// Measures the model, after one warm-up call of each kind: a prefill-heavy score() call (distinct prompts, one-token continuations), a
// continuation-heavy one (one prompt, `parallel` continuations), and `parallel` generations of 2
// tokens and of 2 + max_tokens tokens (end of text ignored, so the counts are known), whose
// difference is the generation rate. Each call is repeated
// until it has run about a fifth of a second, so a tiny model is timed above the clock's noise;
// a large model takes about as long as its first call (a few seconds on a CPU). The two scoring
// calls give the prompt and continuation rates by solving for both.
LmRates probe_rates(lm::LanguageModel& lm, const ProbeSample& sample, const ScoreShape& shape);

// Estimated seconds for `work` at `rates`: fed prompt tokens at prompt_s, continuation tokens at
// continuation_s, generation prompts at prompt_s and max tokens at generate_s.
double estimate_seconds(const LmWork& work, const LmRates& rates);

// Fills each step's seconds from its model's rates (steps with LM work, rates known); a step
// without LM work keeps what it has (an "open model" row carries its load time).
void fill_seconds(std::vector<PlannedStep>& steps, const std::map<std::string, LmRates>& rates);

// A stand-in model for planning without a server: plain-format prompts (system, user and a blank
// line), about four characters a token; score() and generate() refuse. For HTTP endpoints, whose
// tokenizer the plan does not ask (every call to a paid server costs).
std::unique_ptr<lm::LanguageModel> approximate_model(const std::string& id);

// The plan as a table for the terminal (one row per step, totals, the probe's rates per model),
// and as JSON (steps with their counts, status, notes and seconds; totals; rates).
std::string plan_table(const std::vector<PlannedStep>& steps, const std::map<std::string, LmRates>& rates);
nlohmann::json plan_json(const std::vector<PlannedStep>& steps, const std::map<std::string, LmRates>& rates);

}  // namespace mop::method
