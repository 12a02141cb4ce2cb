// A planted exemplar mixture (issue 13): records drawn near 20 prototypes with known, uneven (Zipf)
// shares, and a language model whose scores make an exemplar of the record's own prototype clearly
// better than any other. Fitting must recover the shares in the gate: the exemplar shares
// sum_k pi_k Omega_kj, summed over each prototype's exemplars, against the planted ones.
//
// The scorer is analytic on purpose: this checks the optimiser, not a model. Its likelihoods are
// proper: for a prompt with persona k and exemplar j, p(y) = softmax of l(y) / tau over all the
// responses the prototypes can give (the records are a sample of them),
// l(y) = alpha [proto(y) = proto(j)] + alpha [family(y) = family(k)], with the exact d/dtau. The encoder is analytic too: a response's embedding is its prototype's
// direction plus noise, a persona's is its family's, so response similarity is informative.
//
// Each case fits three times with the library's defaults (M = 4, 3 epochs): the default pair
// choice (guided), the paper's top-M, and every pair scored (M = K x (N - 1), the reference); and
// the default pair choice once more run to convergence. docs/method.md has the figures.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>

#include "mop/error.h"
#include "mop/gate.h"
#include "mop/run_dir.h"
#include "mop/trainer.h"
#include "support/paths.h"

using namespace mop;

namespace {

constexpr int kProtos = 20, kDim = 32;
constexpr double kAlpha = 8.0;
// Responses each prototype can give; the records are a sample of them. (Normalised over the
// records' own responses, the uniform distribution over them would fit as well as the truth.)
constexpr double kUniverse = 1000;

// The number after `tag` in s, or -1.
int number_after(const std::string& s, const std::string& tag) {
  const auto at = s.find(tag);
  if (at == std::string::npos) return -1;
  return std::stoi(s.substr(at + tag.size()));
}

std::string response_text(int i, int proto) { return "r" + std::to_string(i) + " proto" + std::to_string(proto); }
std::string persona_text(int family) { return "persona family" + std::to_string(family); }
std::string context_text(int x) { return "item" + std::to_string(x); }

struct World {
  int families = 1;  // prototype c belongs to family c % families
  std::vector<Eigen::VectorXd> proto_dir, family_dir, context_dir;
  Eigen::VectorXd empty_dir;

  explicit World(int n_families, int n_contexts) : families(n_families) {
    std::mt19937_64 rng(2024);
    std::normal_distribution<double> z;
    auto unit = [&] {
      Eigen::VectorXd v(kDim);
      for (int i = 0; i < kDim; ++i) v(i) = z(rng);
      return Eigen::VectorXd(v.normalized());
    };
    for (int c = 0; c < kProtos; ++c) proto_dir.push_back(unit());
    for (int f = 0; f < families; ++f) {
      Eigen::VectorXd s = Eigen::VectorXd::Zero(kDim);
      for (int c = f; c < kProtos; c += families) s += proto_dir[c];
      family_dir.push_back(s.normalized());
    }
    for (int x = 0; x < n_contexts; ++x) context_dir.push_back(unit());
    empty_dir = unit();
  }
  int family(int proto) const { return proto % families; }
};

// Text -> embedding: prototype direction plus seeded noise (half its length) for responses.
class PlantedEncoder : public embed::Encoder {
 public:
  explicit PlantedEncoder(const World& w) : w_(w) {}
  std::string id() const override { return "planted-encoder"; }
  int dim() const override { return kDim; }
  embed::Matrix encode(const std::vector<std::string>& texts) override {
    embed::Matrix out(static_cast<Eigen::Index>(texts.size()), kDim);
    for (size_t t = 0; t < texts.size(); ++t) out.row(static_cast<Eigen::Index>(t)) = vector(texts[t]).cast<float>().transpose();
    return out;
  }

 private:
  Eigen::VectorXd vector(const std::string& text) const {
    if (text.empty()) return w_.empty_dir;
    if (const int f = number_after(text, "family"); f >= 0) return w_.family_dir.at(f);
    if (const int x = number_after(text, "item"); x >= 0) return w_.context_dir.at(x);
    const int c = number_after(text, "proto"), i = number_after(text, "r");
    if (c < 0 || i < 0) throw std::runtime_error("planted encoder: unknown text '" + text + "'");
    std::mt19937_64 rng(0xABCDull + static_cast<uint64_t>(i));
    std::normal_distribution<double> z;
    Eigen::VectorXd noise(kDim);
    for (int d = 0; d < kDim; ++d) noise(d) = z(rng) / std::sqrt(static_cast<double>(kDim));
    return (w_.proto_dir.at(c) + 0.5 * noise).normalized();
  }
  const World& w_;
};

class PlantedLm : public lm::LanguageModel {
 public:
  explicit PlantedLm(const World& w) : w_(w) {}
  std::string id() const override { return "planted-lm"; }
  std::string render(const std::vector<lm::ChatMessage>& messages) const override {
    std::string s;
    for (const auto& m : messages) s += m.role + ": " + m.content + "\n";
    return s;
  }
  std::vector<lm::Score> score(const std::vector<lm::ScoreRequest>& requests, const lm::Progress&) override {
    std::vector<lm::Score> out;
    for (const auto& r : requests) {
      const int proto_j = number_after(r.prompt, "proto"), family_k = number_after(r.prompt, "family");
      const auto logit = [&](int c) {
        return (c == proto_j ? kAlpha : 0.0) + (family_k >= 0 && w_.family(c) == family_k ? kAlpha : 0.0);
      };
      // log p = l(y)/tau - log Z,  d/dtau = (E[l] - l(y)) / tau^2, over kUniverse responses per prototype.
      double max = -1e300;
      for (int c = 0; c < kProtos; ++c) max = std::max(max, logit(c) / r.tau);
      double z = 0, el = 0;
      for (int c = 0; c < kProtos; ++c) {
        const double e = kUniverse * std::exp(logit(c) / r.tau - max);
        z += e;
        el += e * logit(c);
      }
      el /= z;
      const double l = logit(number_after(r.continuation, "proto"));
      out.push_back({l / r.tau - max - std::log(z), (el - l) / (r.tau * r.tau), 1});
    }
    return out;
  }
  std::vector<lm::Generation> generate(const std::vector<lm::GenerateRequest>&, const lm::Progress&) override {
    throw Error("the planted scorer does not generate");
  }
  std::vector<size_t> count_tokens(const std::vector<std::string>& texts) override {  // one per word
    std::vector<size_t> out;
    for (const auto& t : texts) {
      std::istringstream in(t);
      size_t n = 0;
      for (std::string w; in >> w;) ++n;
      out.push_back(n);
    }
    return out;
  }

 private:
  const World& w_;
};

// Zipf shares over the prototypes, the ranks rotated by `shift`.
std::vector<double> zipf(int shift) {
  std::vector<double> s(kProtos);
  double total = 0;
  for (int r = 0; r < kProtos; ++r) total += 1.0 / (r + 1);
  for (int r = 0; r < kProtos; ++r) s[(r + shift) % kProtos] = 1.0 / (r + 1) / total;
  return s;
}

// Exact counts by largest remainder, so the planted shares are the data's own.
std::vector<int> counts_for(const std::vector<double>& share, int n) {
  std::vector<int> c(share.size());
  std::vector<std::pair<double, int>> rest;
  int given = 0;
  for (size_t i = 0; i < share.size(); ++i) {
    c[i] = static_cast<int>(std::floor(share[i] * n));
    given += c[i];
    rest.push_back({share[i] * n - c[i], static_cast<int>(i)});
  }
  std::sort(rest.rbegin(), rest.rend());
  for (int i = 0; given < n; ++i, ++given) c[rest[i].second]++;
  return c;
}

struct Planted {
  std::vector<data::Record> records;
  std::vector<int> proto_counts;  // over all records
  std::vector<std::vector<double>> share;  // [context][proto], planted (exact)
  int n_contexts = 0;                      // 0: no context field
};

// n_per_context records per context (one empty context when n_contexts is 0), shuffled.
Planted plant(int n_contexts, int n_per_context) {
  Planted p;
  p.n_contexts = n_contexts;
  p.proto_counts.assign(kProtos, 0);
  int i = 0;
  for (int x = 0; x < std::max(1, n_contexts); ++x) {
    const auto share = zipf(7 * x);
    const auto counts = counts_for(share, n_per_context);
    std::vector<double> exact(kProtos);
    for (int c = 0; c < kProtos; ++c) {
      exact[c] = static_cast<double>(counts[c]) / n_per_context;
      for (int r = 0; r < counts[c]; ++r, ++i) {
        data::Record rec;
        rec.id = std::to_string(i);
        rec.text = response_text(i, c);
        if (n_contexts > 0) rec.context = context_text(x);
        rec.source = "planted";
        rec.line = static_cast<size_t>(i + 1);
        p.records.push_back(rec);
      }
      p.proto_counts[c] += counts[c];
    }
    p.share.push_back(exact);
  }
  std::shuffle(p.records.begin(), p.records.end(), std::mt19937_64(99));
  return p;
}

struct Fitted {
  std::vector<std::vector<double>> share;  // [context][proto]: sum_k pi_k Omega_kj over the proto's exemplars
  std::vector<double> persona_share;       // mean pi over the contexts
  std::vector<int> pool_count;  // exemplars of each prototype in the pool
  double effective_pairs = 0;
  double val_ll = 0;
};

Fitted fit(const World& w, const Planted& p, int n_personas, method::FitOptions o) {
  method::FitInputs in;
  in.records = p.records;
  for (int k = 0; k < n_personas; ++k) in.personas.push_back({k, persona_text(k), 0, {}, std::nullopt});
  auto encoder = std::make_shared<PlantedEncoder>(w);
  in.encoder = encoder;
  PlantedLm lm(w);
  in.lm = &lm;
  test::TempDir dir;
  const method::RunDir run(dir.path() / "run");
  Fitted out;
  method::fit(run, std::move(in), o, {}, [&](const method::EpochReport& r) {
    out.effective_pairs = r.effective_pairs;
    out.val_ll = r.val_ll;
  });

  const auto gate = method::Gate::load(run.gate());
  const auto exemplars = run.read_exemplars();
  std::vector<std::string> persona_texts, exemplar_texts;
  for (int k = 0; k < n_personas; ++k) persona_texts.push_back(persona_text(k));
  std::vector<int> proto_of;
  out.pool_count.assign(kProtos, 0);
  for (const auto& e : exemplars) {
    exemplar_texts.push_back(e.text);
    proto_of.push_back(number_after(e.text, "proto"));
    out.pool_count[proto_of.back()]++;
  }
  const method::MatrixRM hg = encoder->encode(persona_texts).cast<double>();
  const method::MatrixRM he = encoder->encode(exemplar_texts).cast<double>();
  const auto proj = gate.project(hg, he);
  out.persona_share.assign(n_personas, 0.0);
  for (int x = 0; x < std::max(1, p.n_contexts); ++x) {
    const std::string ctx = p.n_contexts > 0 ? context_text(x) : std::string();
    const auto f = gate.forward(encoder->encode({ctx}).row(0).cast<double>().transpose(), proj);
    std::vector<double> share(kProtos, 0.0);
    for (int k = 0; k < n_personas; ++k) {
      const double pi = std::exp(f.log_pi(k));
      out.persona_share[k] += pi / std::max(1, p.n_contexts);
      for (size_t j = 0; j < exemplars.size(); ++j) share[proto_of[j]] += pi * std::exp(f.log_omega(k, static_cast<Eigen::Index>(j)));
    }
    out.share.push_back(share);
  }
  return out;
}

double total_variation(const std::vector<double>& a, const std::vector<double>& b) {
  double tv = 0;
  for (size_t i = 0; i < a.size(); ++i) tv += std::abs(a[i] - b[i]);
  return tv / 2;
}

// Mean over contexts of the total variation between fitted and planted prototype shares.
double share_tv(const Fitted& f, const Planted& p) {
  double tv = 0;
  for (size_t x = 0; x < p.share.size(); ++x) tv += total_variation(f.share[x], p.share[x]);
  return tv / static_cast<double>(p.share.size());
}

method::FitOptions defaults(int n_exemplars, uint64_t seed = 5) {
  method::FitOptions o;  // the library's defaults: M = 4, guided pair choice, 3 epochs, lr 0.01, batch 32
  o.n_exemplars = n_exemplars;
  o.seed = seed;
  return o;
}

struct Outcome {
  double guided, paper, every;  // total variation to the planted shares, library defaults
  double converged;             // guided, the optimiser run to convergence
  Fitted converged_fit;
};

// Fits with the library's defaults three ways, then the default pair choice once more with the
// optimiser run to convergence (full-batch steps, 50 epochs): 3 epochs of 32-record batches over
// ~900 records are too few steps for any pair choice to settle.
Outcome fit_all_ways(const World& w, const Planted& p, int n_personas, int n_exemplars, uint64_t seed, const char* name) {
  const auto guided = fit(w, p, n_personas, defaults(n_exemplars, seed));
  // Each prototype needs two exemplars in the pool: a record that is its prototype's only exemplar
  // is masked from it, and then no pair explains it (the seeds below were chosen for this).
  for (int c = 0; c < kProtos; ++c)
    EXPECT_GE(guided.pool_count[c], 2) << "the exemplar pool has too few of prototype " << c << ": choose another seed";
  auto paper_options = defaults(n_exemplars, seed);
  paper_options.pair_choice = "top-m";
  const auto paper = fit(w, p, n_personas, paper_options);
  auto every_options = paper_options;
  every_options.top_m = n_personas * (n_exemplars - 1);
  const auto every = fit(w, p, n_personas, every_options);
  auto long_options = defaults(n_exemplars, seed);
  long_options.epochs = 50;
  long_options.batch_size = static_cast<int>(p.records.size());
  Outcome o{share_tv(guided, p), share_tv(paper, p), share_tv(every, p), 0, fit(w, p, n_personas, long_options)};
  o.converged = share_tv(o.converged_fit, p);
  std::printf("[planted %s] total variation to the planted shares, defaults: guided (M=4) %.3f, paper's top-M (M=4) %.3f, "
              "every pair (M=%d) %.3f; guided converged %.3f. Effective pairs %.1f / %.1f / %.1f / %.1f\n",
              name, o.guided, o.paper, every_options.top_m, o.every, o.converged, guided.effective_pairs, paper.effective_pairs,
              every.effective_pairs, o.converged_fit.effective_pairs);
  return o;
}

void expect_recovered(const Outcome& o) {
  EXPECT_LT(o.guided, o.every + 0.1);  // M = 4 recovers what scoring every pair recovers...
  EXPECT_LT(o.guided, 0.2);
  EXPECT_GT(o.paper, 0.5);             // ...where the paper's top-M collapses onto a few pairs
  EXPECT_LT(o.converged, 0.07);        // and run to convergence it finds the planted shares
}

}  // namespace

TEST(PlantedExemplars, GuidedPairsRecoverZipfSharesWithoutContext) {
  const World w(1, 0);
  expect_recovered(fit_all_ways(w, plant(0, 1000), 1, 150, 38, "no context"));
}

TEST(PlantedExemplars, GuidedPairsRecoverSharesThatDependOnTheContext) {
  const World w(1, 3);
  // Three items, each its own rotation of the Zipf shares: Omega must depend on x.
  expect_recovered(fit_all_ways(w, plant(3, 500), 1, 150, 0, "three contexts"));
}

TEST(PlantedExemplars, GuidedPairsRecoverPersonaAndExemplarShares) {
  // Four families of five prototypes, one persona per family: the right pair needs both gates.
  const World w(4, 0);
  const auto p = plant(0, 1000);
  std::vector<double> family_share(4, 0.0);
  for (int c = 0; c < kProtos; ++c) family_share[w.family(c)] += p.share[0][c];
  const auto o = fit_all_ways(w, p, 4, 150, 38, "four personas");
  expect_recovered(o);
  const double persona_tv = total_variation(o.converged_fit.persona_share, family_share);
  std::printf("[planted four personas] persona shares: total variation %.3f to the families' shares\n", persona_tv);
  EXPECT_LT(persona_tv, 0.08);
}
