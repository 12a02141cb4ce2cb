// The plan's probe: a few seconds of the model's own scoring and generation, timed, so the plan's
// time estimate comes from this model on this machine; and the stand-in model for endpoints.
#include <algorithm>
#include <chrono>

#include "mop/cost_plan.h"
#include "mop/error.h"

namespace mop::method {
namespace {

using Clock = std::chrono::steady_clock;

// Tokens of the probe's short generations, whose time is mostly the prompts'.
constexpr int kFewTokens = 2;

// Runs `call` until it has taken about kMinSeconds (at most kMaxRepeats times); returns the mean
// seconds per call. The first call is a warm-up when it is quick (buffers allocated, pages
// touched); a slow model's first call is kept, as its warm-up is small beside it.
template <typename F>
double timed(F&& call) {
  constexpr double kMinSeconds = 0.2;
  constexpr int kMaxRepeats = 16;
  auto t0 = Clock::now();
  call();
  double first = std::chrono::duration<double>(Clock::now() - t0).count();
  if (first >= kMinSeconds) return first;
  int n = 0;
  t0 = Clock::now();
  double spent = 0;
  while (n < kMaxRepeats && spent < kMinSeconds) {
    call();
    ++n;
    spent = std::chrono::duration<double>(Clock::now() - t0).count();
  }
  return spent / n;
}

// Tokens of each text as the plan counts them (continuation tokens; prompts differ by BOS only).
size_t tokens_of(lm::LanguageModel& lm, const std::string& text) { return lm.count_tokens({text}).front(); }

class ApproximateModel final : public lm::LanguageModel {
 public:
  explicit ApproximateModel(std::string id) : id_(std::move(id)) {}
  std::string id() const override { return id_; }
  std::string render(const std::vector<lm::ChatMessage>& messages) const override {
    std::string s;
    for (const auto& m : messages)
      if (!m.content.empty()) s += m.content + "\n\n";
    return s;
  }
  std::vector<lm::Score> score(const std::vector<lm::ScoreRequest>&, const lm::Progress&) override {
    throw Error("the planning stand-in for " + id_ + " does not score");
  }
  std::vector<lm::Generation> generate(const std::vector<lm::GenerateRequest>&, const lm::Progress&) override {
    throw Error("the planning stand-in for " + id_ + " does not generate");
  }
  // About four characters a token: the usual figure for English under BPE vocabularies.
  std::vector<size_t> count_tokens(const std::vector<std::string>& texts) override {
    std::vector<size_t> out;
    for (const auto& t : texts) out.push_back((t.size() + 3) / 4);
    return out;
  }

 private:
  std::string id_;
};

}  // namespace

std::unique_ptr<lm::LanguageModel> approximate_model(const std::string& id) { return std::make_unique<ApproximateModel>(id); }

LmRates probe_rates(lm::LanguageModel& lm, const ProbeSample& sample, const ScoreShape& shape) {
  if (sample.score_prompts.empty() || sample.continuations.empty()) throw Error("probe: no sample requests to time");
  const auto start = Clock::now();
  const size_t parallel = static_cast<size_t>(std::max(1, shape.parallel));
  // Warm-up: the first calls allocate the compute graphs and touch the weights; the run pays
  // that once, not per token.
  lm.score({{sample.score_prompts.front(), " yes", 1.0}});

  // A: prefill-heavy. Distinct prompts, each with a one-word continuation.
  std::vector<lm::ScoreRequest> a;
  std::vector<PlannedScore> a_plan;
  for (size_t i = 0; i < std::min(parallel, sample.score_prompts.size()); ++i) {
    a.push_back({sample.score_prompts[i], " yes", 1.0});
    a_plan.push_back({sample.score_prompts[i], tokens_of(lm, sample.score_prompts[i]), tokens_of(lm, " yes")});
  }
  // B: continuation-heavy. One prompt, `parallel` real responses.
  std::vector<lm::ScoreRequest> b;
  std::vector<PlannedScore> b_plan;
  for (size_t i = 0; i < parallel; ++i) {
    const std::string& c = sample.continuations[i % sample.continuations.size()];
    b.push_back({sample.score_prompts.front(), c, 1.0});
    b_plan.push_back({sample.score_prompts.front(), a_plan.front().prompt_tokens, tokens_of(lm, c)});
  }
  LmWork wa, wb;
  add_score_call(wa, a_plan, shape);
  add_score_call(wb, b_plan, shape);
  const double ta = timed([&] { lm.score(a); });
  const double tb = timed([&] { lm.score(b); });
  // ta = p * Pa + c * Ca and tb = p * Pb + c * Cb: solved for p and c. Where the system is nearly
  // singular or gives a negative rate, each call's tokens are charged at one shared rate instead.
  const double pa = static_cast<double>(wa.score_prompt_fed), ca = static_cast<double>(wa.score_continuation_tokens);
  const double pb = static_cast<double>(wb.score_prompt_fed), cb = static_cast<double>(wb.score_continuation_tokens);
  LmRates r;
  const double det = pa * cb - pb * ca;
  if (std::abs(det) > 1e-9 * (pa * cb + pb * ca)) {
    r.prompt_s = (ta * cb - tb * ca) / det;
    r.continuation_s = (pa * tb - pb * ta) / det;
  }
  if (!(r.prompt_s > 0) || !(r.continuation_s > 0)) r.prompt_s = r.continuation_s = (ta + tb) / std::max(1.0, pa + ca + pb + cb);

  r.known = true;
  if (sample.generate_prompt.empty()) {  // a plan without generation (mop fit) needs no rate for it
    r.probe_s = std::chrono::duration<double>(Clock::now() - start).count();
    return r;
  }
  // C: `parallel` generations of a few tokens and of max_tokens more, end of text ignored so the
  // counts are known. The difference is generation alone: the prompts' cost (most of a short
  // call) cancels, where subtracting an estimate of it would leave its error in a small remainder.
  const int extra = std::max(1, sample.max_tokens);
  const auto generations = [&](int max_tokens) {
    std::vector<lm::GenerateRequest> g(parallel);
    for (size_t i = 0; i < parallel; ++i) {
      g[i].prompt = sample.generate_prompt;
      g[i].sampling.max_tokens = max_tokens;
      g[i].sampling.ignore_eos = true;
      g[i].sampling.seed = i;
    }
    return g;
  };
  const auto short_calls = generations(kFewTokens), long_calls = generations(kFewTokens + extra);
  lm.generate({generations(1).front()});  // warm-up, as above
  const double t_short = timed([&] { lm.generate(short_calls); });
  const double t_long = timed([&] { lm.generate(long_calls); });
  const double generated = static_cast<double>(parallel) * extra;
  // Timing noise can make the difference tiny or negative for a very fast model: then the long
  // call's time over all its tokens, an upper bound.
  const double per = (t_long - t_short) / generated;
  r.generate_s = per > 0.1 * t_long / (generated + static_cast<double>(parallel) * kFewTokens)
                     ? per
                     : t_long / (generated + static_cast<double>(parallel) * kFewTokens);
  r.probe_s = std::chrono::duration<double>(Clock::now() - start).count();
  return r;
}

}  // namespace mop::method
