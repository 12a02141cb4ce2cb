#include "mop/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>
#include <random>

#include "method/fit_split.h"
#include "method/pair_choice.h"
#include "method/score_cache.h"
#include "method/token_budget.h"
#include "mop/error.h"
#include "mop/prompts.h"

namespace mop::method {
namespace {

std::string str(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", v);
  return b;
}

double logsumexp(const std::vector<double>& v) {
  const double m = *std::max_element(v.begin(), v.end());
  if (!std::isfinite(m)) return m;
  double s = 0;
  for (double x : v) s += std::exp(x - m);
  return m + std::log(s);
}

void check_options(const FitOptions& o, size_t n_records, size_t n_personas) {
  auto bad = [](const std::string& what) { throw Error(what); };
  if (n_personas == 0) bad("no personas");
  if (o.top_m < 1) bad("--top-m must be at least 1");
  if (o.epochs < 1) bad("--epochs must be at least 1");
  if (o.batch_size < 1) bad("--batch must be at least 1");
  if (!o.no_exemplars && o.n_exemplars < 2) bad("--exemplars must be at least 2 (a record's own exemplar is masked)");
  if (!(o.val_fraction >= 0 && o.val_fraction < 1)) bad("--val-fraction must be in [0, 1)");
  if (o.reference_pairs < 1) bad("--reference-pairs must be at least 1");
  if (!(o.tau_tolerance >= 0)) bad("--tau-tolerance must not be negative");
  if (!(o.gate.tau_init > 0) || !(o.gate.tau_min > 0) || o.gate.tau_min > o.gate.tau_init || o.gate.tau_init > o.gate.tau_max)
    bad("temperatures must satisfy 0 < tau-min <= tau-init <= tau-max, got " + str(o.gate.tau_min) + ", " +
        str(o.gate.tau_init) + ", " + str(o.gate.tau_max));
  if (!(o.adam.lr > 0)) bad("--lr must be positive");
  if (o.no_exemplars && static_cast<size_t>(o.top_m) > n_personas)
    bad("--top-m " + std::to_string(o.top_m) + " is larger than the " + std::to_string(n_personas) + " personas");
  if (!o.no_exemplars && static_cast<double>(o.top_m) > static_cast<double>(n_personas) * (o.n_exemplars - 1))
    bad("--top-m " + std::to_string(o.top_m) + " is larger than the " + std::to_string(n_personas) + " x " +
        std::to_string(o.n_exemplars - 1) + " persona-exemplar pairs available to a record");
  if (n_records < 3) bad("too few records to fit (" + std::to_string(n_records) + ")");
  // A budget too small for a marker and a few words would show the model nothing of use.
  constexpr int kMinBudget = 16;
  if (o.max_exemplar_tokens != 0 && o.max_exemplar_tokens < kMinBudget)
    bad("--max-exemplar-tokens must be 0 (no budget) or at least " + std::to_string(kMinBudget));
  if (o.max_context_tokens != 0 && o.max_context_tokens < kMinBudget)
    bad("--max-context-tokens must be 0 (no budget) or at least " + std::to_string(kMinBudget));
  if (o.max_response_tokens != 0 && o.max_response_tokens < kMinBudget)
    bad("--max-response-tokens must be 0 (no budget) or at least " + std::to_string(kMinBudget));
  if (o.long_responses != "cut" && o.long_responses != "skip")
    bad("--long-responses must be cut or skip, got \"" + o.long_responses + "\"");
  guided_pair_count(o);  // throws on a bad --pair-choice, --guided-pairs or --guide-weight
}

class Trainer {
 public:
  Trainer(const RunDir& run, FitInputs& in, const FitOptions& o)
      : run_(run), in_(in), o_(o), domain_(domain_by_name(o.domain)) {}

  void run(const StepCallback& on_step, const EpochCallback& on_epoch);

 private:
  struct Need {
    uint64_t key;
    int persona, exemplar;  // exemplar -1: none
    size_t record;
    double tau;
  };

  void prepare();
  void budget_responses();
  void budget_exemplars();
  void budget_contexts();
  std::string prompt(int persona, int exemplar, size_t record) const;
  std::vector<CachedScore> scores(const std::vector<Need>& needs, EpochReport& report);
  Eigen::VectorXd hx(size_t record) const { return hx_.row(context_row_[record]).transpose(); }
  // The record's response embedding, which guided pair choice compares with the exemplars.
  Eigen::VectorXd hy(size_t record) const {
    return hy_.rows() ? Eigen::VectorXd(hy_.row(static_cast<Eigen::Index>(record)).cast<double>().transpose()) : Eigen::VectorXd();
  }
  // Restores the newest readable checkpoint (gate, Adam, score cache, log); the epochs it has done.
  int resume(Gate& gate, Adam& adam);
  // One mini-batch of order[lo, hi): pairs chosen, scored, gradients and one Adam step; its loss.
  double train_batch(Gate& gate, Adam& adam, const std::vector<size_t>& order, size_t lo, size_t hi, EpochReport& report);
  // The epoch's line of train_log.jsonl.
  static nlohmann::json log_line(const EpochReport& report, const Gate& gate);
  void validate(const Gate& gate, EpochReport& report);
  void measure_spread(const Gate& gate, EpochReport& report) const;
  std::string checkpoint_extra(int epoch) const;
  void restore_log(const nlohmann::json& meta, int epoch);

  const RunDir& run_;
  FitInputs& in_;
  const FitOptions& o_;
  const Domain& domain_;
  std::vector<size_t> train_, val_;
  std::vector<Exemplar> exemplars_;
  std::vector<int> pool_pos_;        // record -> its exemplar j, or -1
  std::vector<size_t> context_row_;  // record -> row of hx_
  MatrixRM hx_, hg_, he_;
  embed::Matrix hy_;  // n x d responses; empty with the paper's pair choice
  std::unique_ptr<PairChooser> chooser_;
  ScoreCache cache_;
  std::vector<nlohmann::json> log_;  // one line per finished epoch, also kept in each checkpoint
  size_t exemplars_cut_ = 0, responses_cut_ = 0, responses_skipped_ = 0, contexts_cut_ = 0;
};

// Responses over the budget are cut (scored on their first tokens, no marker: the model is asked
// for the text itself) or left out before the split, so every later step sees the same records.
void Trainer::budget_responses() {
  auto& records = in_.records;
  if (o_.max_response_tokens <= 0) return;
  std::vector<std::string> texts;
  texts.reserve(records.size());
  for (const auto& r : records) texts.push_back(r.text);
  const size_t budget = static_cast<size_t>(o_.max_response_tokens);
  if (o_.long_responses == "skip") {
    const auto counts = in_.lm->count_tokens(texts);
    std::vector<data::Record> kept;
    for (size_t i = 0; i < records.size(); ++i)
      if (counts[i] <= budget) kept.push_back(std::move(records[i]));
    responses_skipped_ = records.size() - kept.size();
    records = std::move(kept);
    if (records.size() < 3)
      throw Error("too few records to fit (" + std::to_string(records.size()) + ") after leaving out " +
                  std::to_string(responses_skipped_) + " longer than --max-response-tokens " + std::to_string(budget) +
                  " (raise it, or --long-responses cut)");
  } else {
    const auto fitted = fit_to_budget(*in_.lm, texts, budget);
    for (size_t i = 0; i < records.size(); ++i)
      if (fitted[i].cut) {
        records[i].text = fitted[i].text;
        ++responses_cut_;
      }
  }
}

void Trainer::budget_exemplars() {
  if (o_.max_exemplar_tokens <= 0 || exemplars_.empty()) return;
  std::vector<std::string> texts;
  for (const auto& e : exemplars_) texts.push_back(e.text);
  const auto fitted = fit_to_budget(*in_.lm, texts, static_cast<size_t>(o_.max_exemplar_tokens), kCutMarker);
  for (size_t j = 0; j < exemplars_.size(); ++j)
    if (fitted[j].cut) {
      exemplars_[j].text = fitted[j].text;
      exemplars_[j].cut = true;
      exemplars_[j].full_tokens = fitted[j].full_tokens;
      ++exemplars_cut_;
    }
}

// Records' contexts cut in place, before the exemplars are drawn and the contexts embedded: the
// gate and every prompt see the cut context. Equal contexts stay equal (each is cut the same).
void Trainer::budget_contexts() {
  if (o_.max_context_tokens <= 0) return;
  contexts_cut_ = cut_contexts(*in_.lm, in_.records, static_cast<size_t>(o_.max_context_tokens));
  if (contexts_cut_)
    std::fprintf(stderr, "mop: %zu record contexts cut to %d tokens (--max-context-tokens)\n", contexts_cut_,
                 o_.max_context_tokens);
}

void Trainer::prepare() {
  budget_responses();
  budget_contexts();
  const auto& records = in_.records;
  detail::split_records(records.size(), o_, train_, val_);
  pool_pos_.assign(records.size(), -1);
  if (!o_.no_exemplars && static_cast<size_t>(o_.n_exemplars) > train_.size())
    throw Error("--exemplars " + std::to_string(o_.n_exemplars) + " is larger than the " + std::to_string(train_.size()) +
                " training records");
  // Exemplar pool: a seeded sample of the training records.
  std::vector<size_t> pool = train_;
  std::mt19937_64 rng(o_.seed ^ 0xE8E8E8ull);
  std::shuffle(pool.begin(), pool.end(), rng);
  pool.resize(o_.no_exemplars ? 0 : static_cast<size_t>(o_.n_exemplars));
  std::sort(pool.begin(), pool.end());
  for (size_t j = 0; j < pool.size(); ++j) {
    const auto& r = records[pool[j]];
    exemplars_.push_back({static_cast<int>(j), pool[j], r.id, r.context, r.text});
    pool_pos_[pool[j]] = static_cast<int>(j);
  }
  budget_exemplars();
  if (exemplars_cut_ + responses_cut_ + responses_skipped_ > 0)
    std::fprintf(stderr, "mop: token budgets: %s\n",
                 token_budget_summary(exemplars_cut_, responses_cut_, responses_skipped_, o_).c_str());

  // The encoder adapts to the training responses once; the state is kept with the run.
  auto& enc = *in_.encoder;
  if (enc.fits_corpus()) {
    if (o_.resume && std::filesystem::exists(run_.encoder_state())) {
      enc.load_state(run_.encoder_state());
    } else {
      std::vector<std::string> texts;
      for (size_t i : train_) texts.push_back(records[i].text);
      enc.fit_corpus(texts);
      enc.save_state(run_.encoder_state());
    }
  }
  // The encoder's identity includes its fitted state: simulate checks it.
  auto config = run_.read_config();
  config["encoder"] = enc.id();
  config["token_budget"] = {{"exemplars_cut", exemplars_cut_}, {"responses_cut", responses_cut_}, {"contexts_cut", contexts_cut_},
                            {"responses_skipped", responses_skipped_}};
  run_.write_config(config);
  std::vector<std::string> persona_texts, exemplar_texts, contexts;
  for (const auto& p : in_.personas) persona_texts.push_back(p.text);
  for (const auto& e : exemplars_) exemplar_texts.push_back(e.text);
  std::map<std::string, size_t> context_index;
  context_row_.resize(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    const std::string c = records[i].context.value_or("");
    auto [it, fresh] = context_index.try_emplace(c, contexts.size());
    if (fresh) contexts.push_back(c);
    context_row_[i] = it->second;
  }
  hg_ = enc.encode(persona_texts).cast<double>();
  // Without exemplars the gate keeps one zero exemplar: Omega is 1 and its weights get no gradient.
  he_ = o_.no_exemplars ? MatrixRM::Zero(1, hg_.cols()) : MatrixRM(enc.encode(exemplar_texts).cast<double>());
  hx_ = enc.encode(contexts).cast<double>();
  chooser_ = std::make_unique<PairChooser>(o_, hg_, he_);
  if (chooser_->guided()) {
    std::vector<std::string> responses;
    responses.reserve(records.size());
    for (const auto& r : records) responses.push_back(r.text);
    hy_ = enc.encode(responses);
  }
}

std::string Trainer::prompt(int persona, int exemplar, size_t record) const {
  std::vector<Example> ex;
  if (exemplar >= 0 && !o_.no_exemplars) ex.push_back({exemplars_[exemplar].text, exemplars_[exemplar].context});
  return in_.lm->render(in_.personas[persona].text, generation_instruction(domain_, ex, in_.records[record].context));
}

std::vector<CachedScore> Trainer::scores(const std::vector<Need>& needs, EpochReport& report) {
  std::vector<CachedScore> out(needs.size());
  std::vector<lm::ScoreRequest> requests;
  std::vector<size_t> missing;
  for (size_t n = 0; n < needs.size(); ++n) {
    if (auto hit = cache_.lookup(needs[n].key, needs[n].tau, o_.tau_tolerance)) {
      out[n] = *hit;
      continue;
    }
    missing.push_back(n);
    requests.push_back({prompt(needs[n].persona, needs[n].exemplar, needs[n].record), in_.records[needs[n].record].text, needs[n].tau});
  }
  if (requests.empty()) return out;
  std::vector<lm::Score> scored;
  try {
    scored = in_.lm->score(requests);
  } catch (const lm::RequestError& e) {
    // "request N: ..." means little to the user: name the record's file and line instead.
    if (e.index() >= missing.size()) throw;
    const auto& r = in_.records[needs[missing[e.index()]].record];
    throw Error(r.source + ":" + std::to_string(r.line) + ": record " + r.id + ": " + e.detail());
  }
  for (size_t m = 0; m < missing.size(); ++m) {
    const auto& s = scored[m];
    CachedScore c{needs[missing[m]].tau, s.logprob, s.dlogprob_dtau, s.n_tokens};
    cache_.store(needs[missing[m]].key, c);
    out[missing[m]] = c;
    report.lm_pairs++;
    report.lm_tokens += static_cast<size_t>(s.n_tokens);
  }
  return out;
}

void Trainer::validate(const Gate& gate, EpochReport& report) {
  if (val_.empty()) return;
  const int K = static_cast<int>(in_.personas.size());
  const int N = static_cast<int>(he_.rows());
  const auto proj = gate.project(hg_, he_);
  std::vector<Need> needs;
  std::vector<Forward> forwards;
  std::vector<ChosenPairs> pairs;
  for (size_t r : val_) {
    forwards.push_back(gate.forward(hx(r), proj));
    // The same draws every epoch, so the epochs' val_ll differ by the gate only.
    pairs.push_back(chooser_->choose(forwards.back(), hy(r), lm::stream_seed(o_.seed ^ 0x7A11DA7Eull, r)));
    for (const auto& p : pairs.back().pairs)
      needs.push_back({ScoreCache::key(p.persona, p.exemplar, r, true), p.persona, p.exemplar, r, gate.tau()[p.persona]});
  }
  // The references draw the same random pairs every epoch, at the initial temperature.
  const int R = o_.reference_pairs;
  for (size_t r : val_) {
    std::mt19937_64 rng(o_.seed ^ (0xA11CEull + r));
    for (int i = 0; i < R; ++i) {
      const int k = static_cast<int>(rng() % K), j = static_cast<int>(rng() % N);
      needs.push_back({ScoreCache::key(k, j, r, true), k, j, r, o_.gate.tau_init});
    }
    for (int i = 0; i < R; ++i) {
      const int k = static_cast<int>(rng() % K);
      needs.push_back({ScoreCache::key(k, -1, r, true), k, -1, r, o_.gate.tau_init});
    }
  }
  const auto s = scores(needs, report);
  size_t at = 0;
  double ll = 0, uni = 0, none = 0;
  for (size_t v = 0; v < val_.size(); ++v) {
    std::vector<double> sv;
    for (size_t m = 0; m < pairs[v].pairs.size(); ++m) sv.push_back(s[at++].logprob + pairs[v].log_scale[m]);
    ll += log_likelihood(forwards[v], pairs[v].pairs, sv);
  }
  for (size_t v = 0; v < val_.size(); ++v) {
    std::vector<double> a, b;
    for (int i = 0; i < R; ++i) a.push_back(s[at++].logprob);
    for (int i = 0; i < R; ++i) b.push_back(s[at++].logprob);
    uni += logsumexp(a) - std::log(static_cast<double>(R));
    none += logsumexp(b) - std::log(static_cast<double>(R));
  }
  const double n = static_cast<double>(val_.size());
  report.val_ll = ll / n;
  report.val_ll_uniform = uni / n;
  report.val_ll_no_exemplar = none / n;
}

// The gate depends on the record only through its context: one forward per distinct context of
// the training records, weighted by how many records have it, gives the population's mean weights.
void Trainer::measure_spread(const Gate& gate, EpochReport& report) const {
  std::vector<double> count(static_cast<size_t>(hx_.rows()), 0.0);
  for (size_t r : train_) count[context_row_[r]] += 1.0;
  const auto proj = gate.project(hg_, he_);
  Forward f;
  MatrixRM pair_mean = MatrixRM::Zero(hg_.rows(), he_.rows());
  double one_persona = 0;
  for (Eigen::Index c = 0; c < hx_.rows(); ++c) {
    if (count[static_cast<size_t>(c)] == 0) continue;
    gate.forward(hx_.row(c).transpose(), proj, -1, f);
    pair_mean += count[static_cast<size_t>(c)] * (f.log_omega.colwise() + f.log_pi).array().exp().matrix();
    const auto top = top_pairs(f, o_.top_m);
    if (std::all_of(top.begin(), top.end(), [&](const Pair& p) { return p.persona == top.front().persona; }))
      one_persona += count[static_cast<size_t>(c)];
  }
  const double total = pair_mean.sum();
  pair_mean /= total;
  report.one_persona_share = one_persona / total;
  report.tau_min = gate.tau().minCoeff();
  report.tau_max = gate.tau().maxCoeff();
  const auto perplexity = [](const auto& p) {
    double h = 0;
    for (Eigen::Index i = 0; i < p.size(); ++i)
      if (p.data()[i] > 0) h -= p.data()[i] * std::log(p.data()[i]);
    return std::exp(h);
  };
  report.effective_pairs = perplexity(pair_mean);
  const Eigen::VectorXd persona_mean = pair_mean.rowwise().sum();
  report.effective_personas = perplexity(persona_mean);
  report.exemplars_per_persona = 0;
  for (Eigen::Index k = 0; k < pair_mean.rows(); ++k)
    if (persona_mean(k) > 0)
      report.exemplars_per_persona += persona_mean(k) * perplexity(Eigen::VectorXd(pair_mean.row(k).transpose() / persona_mean(k)));
}

// The checkpoint carries the log up to its epoch: a kill between writing the checkpoint and the
// log (or the other way round) would otherwise lose or repeat a log line on resume.
std::string Trainer::checkpoint_extra(int epoch) const {
  std::string extra = nlohmann::json{{"epoch", epoch}, {"log", log_}}.dump();
  extra.push_back('\0');
  return extra + cache_.serialize();
}

void Trainer::restore_log(const nlohmann::json& meta, int epoch) {
  log_.clear();
  if (meta.contains("log")) {
    for (const auto& line : meta.at("log")) log_.push_back(line);
  } else {  // checkpoints from before the log was kept in them
    for (auto& line : run_.read_log())
      if (line.value("epoch", 0) <= epoch) log_.push_back(std::move(line));
  }
  if (log_.size() != static_cast<size_t>(epoch)) throw Error("the log has " + std::to_string(log_.size()) + " epochs, not " + std::to_string(epoch));
}

void Trainer::run(const StepCallback& on_step, const EpochCallback& on_epoch) {
  prepare();
  const int K = static_cast<int>(in_.personas.size());
  Gate gate(static_cast<int>(hg_.cols()), K, o_.gate);
  Adam adam(gate, o_.adam);
  const int start_epoch = o_.resume ? resume(gate, adam) : 0;
  // Written again when resuming found no checkpoint: the kill may have come before they were.
  if (start_epoch == 0) {
    log_.clear();
    run_.write_exemplars(exemplars_);
    write_personas(run_.personas(), in_.personas);
  }
  run_.write_log(log_);

  const size_t n_batches = (train_.size() + o_.batch_size - 1) / o_.batch_size;
  for (int epoch = start_epoch; epoch < o_.epochs; ++epoch) {
    const auto t0 = std::chrono::steady_clock::now();
    EpochReport report;
    report.epoch = epoch + 1;
    report.exemplars_cut = exemplars_cut_;
    report.responses_cut = responses_cut_;
    report.responses_skipped = responses_skipped_;
    cache_.reset_counts();
    std::vector<size_t> order = train_;
    std::mt19937_64 rng(o_.seed + 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(epoch + 1));
    std::shuffle(order.begin(), order.end(), rng);
    double loss = 0;
    for (size_t b = 0; b < n_batches; ++b) {
      const size_t lo = b * o_.batch_size, hi = std::min(order.size(), lo + o_.batch_size);
      loss += train_batch(gate, adam, order, lo, hi, report);
      if (on_step) on_step(b + 1, n_batches);
    }
    report.train_loss = loss / static_cast<double>(train_.size());
    const size_t lookups = cache_.hits() + cache_.misses();
    report.cache_hit_rate = lookups ? static_cast<double>(cache_.hits()) / lookups : 0.0;
    validate(gate, report);
    measure_spread(gate, report);
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    log_.push_back(log_line(report, gate));
    save_checkpoint(run_.checkpoint(epoch + 1), gate, adam, checkpoint_extra(epoch + 1));
    run_.write_log(log_);
    if (on_epoch) on_epoch(report);
  }
  gate.save(run_.gate());
}

int Trainer::resume(Gate& gate, Adam& adam) {
  for (const auto& [epoch, path] : run_.list_checkpoints()) {
    try {
      auto ck = load_checkpoint(path);
      const auto zero = ck.extra.find('\0');
      if (zero == std::string::npos) throw Error(path.string() + ": no trainer state");
      const auto meta = nlohmann::json::parse(ck.extra.substr(0, zero));
      const int epoch_done = meta.at("epoch").get<int>();
      restore_log(meta, epoch_done);  // may throw: nothing else is taken from this checkpoint yet
      cache_ = ScoreCache::deserialize(std::string_view(ck.extra).substr(zero + 1));
      gate = std::move(ck.gate);
      adam = std::move(ck.adam);
      std::fprintf(stderr, "mop: resuming after epoch %d from %s\n", epoch_done, path.c_str());
      return epoch_done;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "mop: warning: skipping checkpoint %s: %s\n", path.c_str(), e.what());
    }
  }
  return 0;
}

double Trainer::train_batch(Gate& gate, Adam& adam, const std::vector<size_t>& order, size_t lo, size_t hi, EpochReport& report) {
  const auto proj = gate.project(hg_, he_);
  std::vector<Forward> forwards;
  std::vector<ChosenPairs> pairs;
  std::vector<Need> needs;
  for (size_t i = lo; i < hi; ++i) {
    const size_t r = order[i];
    forwards.push_back(gate.forward(hx(r), proj, pool_pos_[r]));
    // Draws seeded by the record alone: the same pairs every epoch (unless the gate's top pairs
    // moved), so later epochs reuse cached LM scores as with the paper's rule.
    pairs.push_back(chooser_->choose(forwards.back(), hy(r), lm::stream_seed(o_.seed ^ 0x9A1BD7A5ull, r)));
    for (const auto& p : pairs.back().pairs)
      needs.push_back({ScoreCache::key(p.persona, p.exemplar, r, false), p.persona, p.exemplar, r, gate.tau()[p.persona]});
  }
  const auto s = scores(needs, report);
  Gradients grad(gate, static_cast<int>(he_.rows()));
  size_t at = 0;
  for (size_t i = lo; i < hi; ++i) {
    const auto& ps = pairs[i - lo];
    std::vector<double> sv, dv;
    for (size_t m = 0; m < ps.pairs.size(); ++m, ++at) {
      sv.push_back(s[at].logprob + ps.log_scale[m]);  // a sampled pair counts as count / (G q) of itself
      dv.push_back(s[at].dlogprob_dtau);
    }
    gate.accumulate(hx(order[i]), proj, forwards[i - lo], ps.pairs, sv, dv, grad);
  }
  adam.step(gate, grad.to_params(hg_, he_), 1.0 / static_cast<double>(hi - lo));
  return grad.loss;
}

nlohmann::json Trainer::log_line(const EpochReport& report, const Gate& gate) {
  return {{"epoch", report.epoch},
          {"train_loss", report.train_loss},
          {"val_ll", report.val_ll},
          {"val_ll_uniform", report.val_ll_uniform},
          {"val_ll_no_exemplar", report.val_ll_no_exemplar},
          {"cache_hit_rate", report.cache_hit_rate},
          {"effective_pairs", report.effective_pairs},
          {"effective_personas", report.effective_personas},
          {"exemplars_per_persona", report.exemplars_per_persona},
          {"tau_min", report.tau_min},
          {"tau_max", report.tau_max},
          {"one_persona_share", report.one_persona_share},
          {"lm_pairs", report.lm_pairs},
          {"lm_tokens", report.lm_tokens},
          {"tau_mean", gate.tau().mean()},
          {"exemplars_cut", report.exemplars_cut},
          {"responses_cut", report.responses_cut},
          {"responses_skipped", report.responses_skipped},
          {"seconds", report.seconds}};
}

// Removes what a new run wrote before failing (never files of an earlier run: fit refuses those).
void discard_unstarted(const RunDir& run, bool fresh_root) {
  std::error_code ec;
  for (const auto& f : {run.config(), run.personas(), run.exemplars(), run.encoder_state(), run.gate(), run.train_log()})
    std::filesystem::remove(f, ec);
  if (std::filesystem::is_empty(run.checkpoints(), ec)) std::filesystem::remove(run.checkpoints(), ec);
  if (fresh_root && std::filesystem::is_empty(run.root(), ec)) std::filesystem::remove(run.root(), ec);
}

}  // namespace

std::string token_budget_summary(size_t exemplars_cut, size_t responses_cut, size_t responses_skipped, const FitOptions& o) {
  std::string s;
  const auto add = [&](const std::string& part) { s += (s.empty() ? "" : "; ") + part; };
  if (exemplars_cut) add(std::to_string(exemplars_cut) + " exemplars cut to " + std::to_string(o.max_exemplar_tokens) + " tokens");
  if (responses_cut)
    add(std::to_string(responses_cut) + " responses scored on their first " + std::to_string(o.max_response_tokens) + " tokens");
  if (responses_skipped)
    add(std::to_string(responses_skipped) + " responses longer than " + std::to_string(o.max_response_tokens) +
        " tokens left out");
  return s;
}

std::optional<std::string> collapse_warning(const EpochReport& last, int n_personas, const FitOptions& fitted) {
  if (n_personas < 8 || !(last.effective_personas < 2)) return std::nullopt;
  char head[160];
  std::snprintf(head, sizeof head, "the gate collapsed onto about %.1f of %d personas, so simulated text will come from those alone",
                last.effective_personas, n_personas);
  return std::string(head) +
         ". Try: more epochs or a lower --lr; " + (fitted.pair_choice == "top-m" ? "--pair-choice guided; " : "") +
         "checking with `mop lm score` that "
         "the model scores the personas' prompts differently (a small model may prefer one prompt for every record); "
         "other personas (mop personas --k, --temperature)";
}

void fit(const RunDir& run, FitInputs inputs, const FitOptions& options, const StepCallback& on_step,
         const EpochCallback& on_epoch) {
  if (!inputs.lm) throw Error("fit: no language model");
  if (!inputs.encoder) throw Error("fit: no encoder");
  check_options(options, inputs.records.size(), inputs.personas.size());
  FitOptions o = options;
  o.gate.seed = options.seed;
  nlohmann::json config = {{"method", "mixture-of-personas"},
                           {"options", fit_options_to_json(o)},
                           {"encoder", inputs.encoder->id()},
                           {"personas", inputs.personas.size()},
                           {"records", inputs.records.size()},
                           {"provenance", inputs.provenance}};
  if (o.resume) {
    // Read back through the options, so keys that older runs lack take their defaults (and a
    // missing pair_choice the paper's rule, which those runs used).
    const auto old = fit_options_to_json(fit_options_from_json(run.read_config().at("options")));
    if (old != config["options"]) {
      std::string differ;
      for (const auto& [key, value] : config["options"].items())
        if (!old.is_object() || !old.contains(key) || old[key] != value)
          differ += (differ.empty() ? "" : ", ") + key + " (" + (old.is_object() && old.contains(key) ? old[key].dump() : "unset") +
                    " there, " + value.dump() + " now)";
      throw Error("cannot resume " + run.root().string() + ": it was started with other settings (see its config.json)" +
                  (differ.empty() ? std::string() : ": " + differ));
    }
  } else {
    if (std::filesystem::exists(run.config()))
      throw Error("run directory " + run.root().string() + " already holds a run: use --resume to continue it, or another --run");
    const bool fresh_root = !std::filesystem::exists(run.root());
    std::filesystem::create_directories(run.checkpoints());
    run.write_config(config);
    try {
      Trainer(run, inputs, o).run(on_step, on_epoch);
    } catch (...) {
      // An error (bad record, full disk) before the first checkpoint leaves nothing behind, so
      // the same command can simply be run again once the cause is fixed.
      if (run.list_checkpoints().empty()) discard_unstarted(run, fresh_root);
      throw;
    }
    return;
  }
  Trainer(run, inputs, o).run(on_step, on_epoch);
}

}  // namespace mop::method
