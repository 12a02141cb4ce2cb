// A planted population: records drawn from the small real model under a hidden mixture of three
// persona prompts with known proportions. Fitting with those prompts as personas must recover the
// proportions in the persona gate, and beat uniform gates on held-out log-likelihood.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "mop/embed_open.h"
#include "mop/gate.h"
#include "mop/lm_llama.h"
#include "mop/prompts.h"
#include "mop/run_dir.h"
#include "mop/trainer.h"
#include "support/paths.h"

using namespace mop;

TEST(PlantedPopulation, FitRecoversTheHiddenPersonaProportions) {
  lm::LlamaOptions lo;
  lo.model = test::stories_model();
  lo.n_threads = 1;
  lo.n_ctx = 4096;
  auto model = lm::load_llama(lo);

  const std::vector<std::string> hidden = {"Once upon a time, there was a dog named Max who loved to run and bark.",
                                           "Lily loved to bake cakes and cookies with her mom in the kitchen.",
                                           "The big red truck drove fast down the hill to the town."};
  const std::vector<double> share = {0.6, 0.3, 0.1};
  const int n = 240;
  // The population: each record's persona drawn by the shares, its text sampled from the LM
  // prompted with that persona alone (the plain format: persona, then the instruction).
  std::mt19937_64 rng(11);
  std::vector<lm::GenerateRequest> reqs;
  std::vector<int> truth;
  for (int i = 0; i < n; ++i) {
    const double u = std::uniform_real_distribution<double>(0, 1)(rng);
    const int k = u < share[0] ? 0 : u < share[0] + share[1] ? 1 : 2;
    truth.push_back(k);
    lm::GenerateRequest r;
    r.prompt = model->render(hidden[k], method::generation_instruction(method::domain_by_name("generic"), {}, std::nullopt));
    r.sampling = {1.0, 1.0, 32, {}, lm::stream_seed(5, i), false};
    reqs.push_back(r);
  }
  const auto texts = model->generate(reqs);
  method::FitInputs in;
  for (int i = 0; i < n; ++i) {
    data::Record rec;
    rec.id = std::to_string(i);
    rec.text = texts[i].text.empty() ? "The end." : texts[i].text;
    in.records.push_back(rec);
  }
  for (int k = 0; k < 3; ++k) in.personas.push_back({k, hidden[k], 0, {}, std::nullopt});
  in.encoder = embed::open_encoder("glove-sif");
  in.lm = model.get();

  method::FitOptions o;
  o.no_exemplars = true;  // the population was drawn with persona-only prompts: the fitted model is exact
  o.top_m = 3;            // every persona
  o.epochs = 30;
  o.batch_size = 40;
  o.adam.lr = 0.005;
  o.val_fraction = 0.15;
  o.seed = 3;
  o.gate.tau_min = o.gate.tau_max = o.gate.tau_init = 1.0;  // temperature fixed: LM scores are reused every epoch
  test::TempDir dir;
  const method::RunDir run(dir.path() / "run");
  method::EpochReport last;
  method::fit(run, std::move(in), o, {}, [&](const method::EpochReport& r) { last = r; });

  // Contexts are empty, so pi is the same for every record: the learned mixture weights.
  const auto gate = method::Gate::load(run.gate());
  auto enc = embed::open_encoder("glove-sif");
  enc->load_state(run.encoder_state());
  const method::MatrixRM hg = enc->encode(hidden).cast<double>();
  const method::MatrixRM he = method::MatrixRM::Zero(1, hg.cols());
  const method::MatrixRM hx = enc->encode(std::vector<std::string>{std::string()}).cast<double>();
  const auto f = gate.forward(hx.row(0).transpose(), gate.project(hg, he));
  std::vector<double> counted(3, 0.0);
  for (int k : truth) counted[k] += 1.0 / n;
  for (int k = 0; k < 3; ++k) {
    // The tiny LM tells the three personas apart for ~84% of records, so even the exact maximum
    // likelihood sits a little off the drawn shares.
    EXPECT_NEAR(std::exp(f.log_pi[k]), counted[k], 0.15) << "persona " << k;
  }
  EXPECT_GT(std::exp(f.log_pi[0]), std::exp(f.log_pi[1]));
  EXPECT_GT(std::exp(f.log_pi[1]), std::exp(f.log_pi[2]));
  EXPECT_GT(last.val_ll, last.val_ll_uniform);
  EXPECT_GT(last.cache_hit_rate, 0.99);  // fixed tau: every epoch after the first reuses scores
}
