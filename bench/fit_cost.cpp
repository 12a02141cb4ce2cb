// bench/fit_cost: what gate training costs in LM work, and how much the score cache saves.
// 500 SST-2 training records, K = 20 synthesized personas, N = 200 exemplars, M = 4, 3 epochs,
// with each pair choice in turn (the paper's top-M, then guided, the default): LM tokens scored
// per training record in each epoch (epoch 1 scores everything; later epochs reuse cached scores
// while tau stays within the tolerance and the pairs are the same), wall time per epoch, and the
// effective number of pairs the gate ends on.
// Usage: fit_cost [--model PATH] [--threads N] [--records N] [--epochs N]
#include <cstdio>
#include <iostream>
#include <map>
#include <string>

#include "mop/dataset.h"
#include "mop/embed_open.h"
#include "mop/lm_llama.h"
#include "mop/personas.h"
#include "mop/run_dir.h"
#include "mop/trainer.h"
#include "support/paths.h"

using namespace mop;

int main(int argc, char** argv) {
  std::string model_path = test::stories_model();
  int threads = 2, n_records = 500, epochs = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--model") model_path = argv[i + 1];
    else if (a == "--threads") threads = std::stoi(argv[i + 1]);
    else if (a == "--records") n_records = std::stoi(argv[i + 1]);
    else if (a == "--epochs") epochs = std::stoi(argv[i + 1]);
    else {
      std::cerr << "usage: fit_cost [--model PATH] [--threads N] [--records N] [--epochs N]\n";
      return 1;
    }
  }
  auto all = data::load(test::shared_path("data/sst2/train.jsonl")).records;
  auto records = data::sample(all, static_cast<size_t>(n_records), 1);

  lm::LlamaOptions lo;
  lo.model = model_path;
  lo.n_threads = threads;
  auto model = lm::load_llama(lo);
  auto encoder = embed::open_encoder("glove-sif");
  std::vector<std::string> texts;
  for (const auto& r : records) texts.push_back(r.text);
  encoder->fit_corpus(texts);
  method::PersonaOptions po;
  po.k = 20;
  po.domain = "movie";
  po.max_tokens = 32;
  auto personas = method::synthesize_personas(records, encoder->encode(texts), *model, po);

  method::FitOptions fo;
  fo.n_exemplars = 200;
  fo.top_m = 4;
  fo.epochs = epochs;
  fo.domain = "movie";
  const size_t n_train = records.size() - std::min<size_t>(fo.max_val, static_cast<size_t>(fo.val_fraction * records.size()));
  std::printf("# fit_cost: %zu SST-2 records (%zu for training), K=20, N=200, M=4, model %s, %d threads\n\n", records.size(), n_train,
              model_path.c_str(), threads);
  std::printf("| pair choice | epoch | LM pairs | LM tokens | tokens per training record | cache hit rate | effective pairs | val ll | seconds |\n"
              "|---|---|---|---|---|---|---|---|---|\n");
  std::map<std::string, size_t> tokens;
  for (const std::string choice : {"top-m", "guided"}) {
    fo.pair_choice = choice;
    method::FitInputs in{records, personas, encoder, model.get(), {}};
    test::TempDir dir;
    method::fit(method::RunDir(dir.path() / "run"), std::move(in), fo, {}, [&](const method::EpochReport& r) {
      std::printf("| %s | %d | %zu | %zu | %.1f | %.0f%% | %.1f | %.3f | %.1f |\n", choice.c_str(), r.epoch, r.lm_pairs, r.lm_tokens,
                  static_cast<double>(r.lm_tokens) / n_train, 100 * r.cache_hit_rate, r.effective_pairs, r.val_ll, r.seconds);
      std::fflush(stdout);
      tokens[choice] += r.lm_tokens;
    });
  }
  std::printf("\nLM tokens over all epochs: guided / top-m = %.2f\n", static_cast<double>(tokens["guided"]) / tokens["top-m"]);
  std::printf("(LM work includes the validation pairs; the references' pairs are scored once, in epoch 1.)\n");
  return 0;
}
