// The cost plan of a fit: the trainer's LM work per epoch (src/method/trainer.cpp), counted on
// the real records before anything is scored.
#include "mop/fit_plan.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <set>

#include "method/fit_split.h"
#include "method/pair_choice.h"
#include "method/token_budget.h"
#include "mop/error.h"

namespace mop::method {
namespace {

// Batches whose prompts are built and counted; the others take their mean per request. Prompts
// of one batch are alike in length, so a few batches measure them well, and counting every
// prompt of a large fit (tens of thousands) would cost the plan more than it tells.
constexpr size_t kSampledBatches = 16;

struct Pair {
  int persona, exemplar;  // exemplar -1: none
};

class FitPlanner {
 public:
  explicit FitPlanner(const FitPlanInputs& in) : in_(in), o_(in.options), domain_(domain_by_name(in.options.domain)), rng_(in.options.seed ^ 0x91A7ull) {}

  FitPlan run() {
    check();
    budget_responses();
    budget_contexts();
    detail::split_records(records_.size(), o_, train_, val_);
    if (!o_.no_exemplars && static_cast<size_t>(o_.n_exemplars) > train_.size())
      throw Error("--exemplars " + std::to_string(o_.n_exemplars) + " is larger than the " + std::to_string(train_.size()) +
                  " training records");
    make_pool();
    plan_.train = train_.size();
    plan_.val = val_.size();
    for (int e = 0; e < o_.epochs; ++e) plan_.epochs.push_back(epoch(e));
    notes();
    return std::move(plan_);
  }

 private:
  void check() const {
    if (!in_.lm) throw Error("fit plan: no language model");
    if (in_.personas.empty()) throw Error("no personas");
    if (o_.top_m < 1) throw Error("--top-m must be at least 1");
    if (o_.epochs < 1) throw Error("--epochs must be at least 1");
    if (o_.batch_size < 1) throw Error("--batch must be at least 1");
    if (!o_.no_exemplars && o_.n_exemplars < 2) throw Error("--exemplars must be at least 2 (a record's own exemplar is masked)");
    if (in_.records.size() < 3) throw Error("too few records to fit (" + std::to_string(in_.records.size()) + ")");
    const double pairs = o_.no_exemplars ? static_cast<double>(in_.personas.size())
                                         : static_cast<double>(in_.personas.size()) * (o_.n_exemplars - 1);
    if (o_.top_m > pairs)
      throw Error("--top-m " + std::to_string(o_.top_m) + " is larger than the " + std::to_string(static_cast<size_t>(pairs)) +
                  " pairs available to a record");
  }

  // As Trainer::budget_responses: long responses cut (scored on their first tokens) or left out.
  void budget_responses() {
    std::vector<std::string> texts;
    for (const auto& r : in_.records) texts.push_back(r.text);
    const auto counts = in_.lm->count_tokens(texts);
    const size_t budget = o_.max_response_tokens > 0 ? static_cast<size_t>(o_.max_response_tokens) : 0;
    std::vector<std::string> cut;
    if (budget > 0 && o_.long_responses == "cut") {
      std::vector<std::string> over;
      for (size_t i = 0; i < texts.size(); ++i)
        if (counts[i] > budget) over.push_back(texts[i]);
      const auto fitted = fit_to_budget(*in_.lm, over, budget);
      for (const auto& f : fitted) cut.push_back(f.text);
    }
    size_t next_cut = 0;
    for (size_t i = 0; i < in_.records.size(); ++i) {
      if (budget > 0 && counts[i] > budget) {
        if (o_.long_responses == "skip") {
          ++plan_.responses_skipped;
          continue;
        }
        ++plan_.responses_cut;
        records_.push_back(in_.records[i]);
        records_.back().text = cut[next_cut++];
        tokens_.push_back(budget);
        continue;
      }
      records_.push_back(in_.records[i]);
      tokens_.push_back(counts[i]);
    }
    if (records_.size() < 3) throw Error("too few records to fit (" + std::to_string(records_.size()) + ") after the token budget");
    for (const auto& r : records_) plan_.responses.push_back(r.text);
  }

  // As Trainer::budget_contexts: long contexts cut, with the marker, in place.
  void budget_contexts() {
    if (o_.max_context_tokens > 0) cut_contexts(*in_.lm, records_, static_cast<size_t>(o_.max_context_tokens));
  }

  // As Trainer::prepare: a seeded sample of the training records, cut to the exemplar budget.
  void make_pool() {
    if (o_.no_exemplars) return;
    std::vector<size_t> pool = train_;
    std::mt19937_64 rng(o_.seed ^ 0xE8E8E8ull);
    std::shuffle(pool.begin(), pool.end(), rng);
    pool.resize(static_cast<size_t>(o_.n_exemplars));
    std::sort(pool.begin(), pool.end());
    std::vector<std::string> texts;
    for (size_t i : pool) texts.push_back(records_[i].text);
    if (o_.max_exemplar_tokens > 0) {
      const auto fitted = fit_to_budget(*in_.lm, texts, static_cast<size_t>(o_.max_exemplar_tokens), kCutMarker);
      for (size_t j = 0; j < texts.size(); ++j) texts[j] = fitted[j].text;
    }
    for (size_t j = 0; j < pool.size(); ++j) {
      plan_.exemplars.push_back({texts[j], records_[pool[j]].context});
      own_[pool[j]] = static_cast<int>(j);
    }
  }

  std::string prompt(const Pair& p, size_t record) const {
    std::vector<Example> ex;
    if (p.exemplar >= 0) ex.push_back(plan_.exemplars[static_cast<size_t>(p.exemplar)]);
    return in_.lm->render(in_.personas[static_cast<size_t>(p.persona)].text,
                          generation_instruction(domain_, ex, records_[record].context));
  }

  Pair random_pair(size_t record) {
    const int k = static_cast<int>(rng_() % in_.personas.size());
    if (o_.no_exemplars) return {k, -1};
    const auto own = own_.find(record);
    int j;
    do j = static_cast<int>(rng_() % plan_.exemplars.size());
    while (own != own_.end() && own->second == j);  // the record's own exemplar is masked
    return {k, j};
  }

  // The M pairs of each record of a batch: the gate's exact ones are shared by the records of one
  // context (the gate sees a record only through its context), the G guided draws are the
  // record's own. Stand-ins for both: the plan has no gate.
  std::vector<std::vector<Pair>> batch_pairs(const std::vector<size_t>& records) {
    const int g = guided_pair_count(o_);
    const int d = o_.top_m - g;
    std::map<std::string, std::vector<Pair>> exact;
    std::vector<std::vector<Pair>> out;
    for (size_t r : records) {
      auto& shared = exact[records_[r].context.value_or("")];
      while (static_cast<int>(shared.size()) < d) shared.push_back(random_pair(r));
      std::vector<Pair> ps;
      for (const auto& p : shared) ps.push_back(own_.count(r) && own_.at(r) == p.exemplar ? random_pair(r) : p);
      for (int i = 0; i < g; ++i) ps.push_back(random_pair(r));
      out.push_back(std::move(ps));
    }
    return out;
  }

  // One score() call of these (pair, record) requests, prompts counted.
  std::vector<PlannedScore> requests(const std::vector<std::pair<Pair, size_t>>& needs) const {
    std::vector<std::string> prompts;
    for (const auto& [p, r] : needs) prompts.push_back(prompt(p, r));
    const auto counts = in_.lm->count_tokens(prompts);
    std::vector<PlannedScore> out;
    for (size_t i = 0; i < needs.size(); ++i) out.push_back({prompts[i], counts[i], tokens_[needs[i].second]});
    return out;
  }

  LmWork epoch(int e) {
    LmWork w;
    std::vector<size_t> order = train_;
    std::mt19937_64 rng(o_.seed + 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(e + 1));
    std::shuffle(order.begin(), order.end(), rng);
    const size_t batch = static_cast<size_t>(o_.batch_size);
    LmWork sampled;
    size_t rest_requests = 0, rest_continuation = 0;
    for (size_t lo = 0, b = 0; lo < order.size(); lo += batch, ++b) {
      const std::vector<size_t> records(order.begin() + static_cast<std::ptrdiff_t>(lo),
                                        order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), lo + batch)));
      if (b >= kSampledBatches) {
        for (size_t r : records) {
          rest_requests += static_cast<size_t>(o_.top_m);
          rest_continuation += static_cast<size_t>(o_.top_m) * tokens_[r];
        }
        continue;
      }
      const auto pairs = batch_pairs(records);
      std::vector<std::pair<Pair, size_t>> needs;
      for (size_t i = 0; i < records.size(); ++i)
        for (const auto& p : pairs[i]) needs.emplace_back(p, records[i]);
      const auto reqs = requests(needs);
      add_score_call(sampled, reqs, in_.shape);
      if (e == 0 && b == 0) {
        std::set<std::string> seen;
        for (const auto& q : reqs)
          if (seen.insert(q.prompt).second) plan_.probe.score_prompts.push_back(q.prompt);
        for (size_t r : records) plan_.probe.continuations.push_back(records_[r].text);
        plan_.probe.generate_prompt = reqs.front().prompt;
      }
    }
    w += sampled;
    if (rest_requests > 0) {  // the batches not sampled, at the sampled batches' mean per request
      const double per = 1.0 / static_cast<double>(sampled.score_requests);
      w.score_requests += rest_requests;
      w.score_continuation_tokens += rest_continuation;
      w.score_prompt_tokens += static_cast<size_t>(static_cast<double>(sampled.score_prompt_tokens) * per * rest_requests);
      w.score_prompt_fed += static_cast<size_t>(static_cast<double>(sampled.score_prompt_fed) * per * rest_requests);
    }
    validation(e, w);
    return w;
  }

  // As Trainer::validate: one call with each held-out record's M pairs and, in the first epoch
  // only (later ones find them cached at tau_init), R random pairs and R personas without exemplars.
  void validation(int e, LmWork& w) {
    if (val_.empty()) return;
    const auto pairs = batch_pairs(val_);
    std::vector<std::pair<Pair, size_t>> needs;
    for (size_t v = 0; v < val_.size(); ++v)
      for (const auto& p : pairs[v]) needs.emplace_back(p, val_[v]);
    if (e == 0)
      for (size_t r : val_) {
        for (int i = 0; i < o_.reference_pairs; ++i) needs.emplace_back(random_pair(r), r);
        for (int i = 0; i < o_.reference_pairs; ++i)
          needs.emplace_back(Pair{static_cast<int>(rng_() % in_.personas.size()), -1}, r);
      }
    add_score_call(w, requests(needs), in_.shape);
  }

  void notes() {
    auto& n = plan_.notes;
    n.push_back("fit: the pairs the gate will choose are stand-ins (random pairs; the gate's exact ones shared by a "
                "batch's records of one context), so prompt tokens are estimates; requests count M per record, an "
                "upper bound (guided draws that repeat a pair are scored once)");
    if (o_.epochs > 1)
      n.push_back("fit: epochs after the first are upper bounds: a score is reused while its persona's tau moved less than "
                  "--tau-tolerance, and the validation references (at tau_init) are reused");
    if (train_.size() > kSampledBatches * static_cast<size_t>(o_.batch_size))
      n.push_back("fit: prompt tokens counted on " + std::to_string(kSampledBatches) +
                  " batches per epoch, the rest at their mean per request");
    if (plan_.responses_cut + plan_.responses_skipped > 0)
      n.push_back("fit: " + std::to_string(plan_.responses_cut) + " responses cut and " +
                  std::to_string(plan_.responses_skipped) + " left out by --max-response-tokens " +
                  std::to_string(o_.max_response_tokens));
  }

  const FitPlanInputs& in_;
  const FitOptions& o_;
  const Domain& domain_;
  std::mt19937_64 rng_;
  std::vector<data::Record> records_;
  std::vector<size_t> tokens_;  // each record's response tokens, as scored
  std::vector<size_t> train_, val_;
  std::map<size_t, int> own_;   // record -> its exemplar j
  FitPlan plan_;
};

}  // namespace

FitPlan plan_fit(const FitPlanInputs& in) { return FitPlanner(in).run(); }

std::vector<PlannedStep> fit_steps(const FitPlan& plan, const std::string& name, const std::string& model) {
  std::vector<PlannedStep> out;
  for (size_t e = 0; e < plan.epochs.size(); ++e) {
    PlannedStep s;
    s.name = name + " epoch " + std::to_string(e + 1);
    s.model = model;
    s.work = plan.epochs[e];
    s.notes = plan.notes;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace mop::method
