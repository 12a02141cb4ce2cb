// mop fit: trains the MoP gate on a data set, with personas, against a language model.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.h"
#include "data_options.h"
#include "model_options.h"
#include "mop/embed_open.h"
#include "mop/error.h"
#include "mop/fit_plan.h"
#include "mop/trainer.h"
#include "mop/util/atomic_file.h"
#include "mop/util/progress.h"

namespace mop::cli {
namespace {

struct FitArgs {
  std::string data, personas, run, encoder = "glove-sif", plan_json;
  bool plan = false;
  size_t max_records = 0;
  DataArgs fields;
  lm::ModelOptions model;
  method::FitOptions options;
};

// --plan: the fit's LM work per epoch and its estimated time, from a probe of the model (an
// endpoint is sent nothing). Writes nothing in --run.
void plan(const FitArgs& a) {
  const bool http = !a.model.http.endpoints.empty();
  const std::string name = http ? a.model.http.endpoints.front() : std::filesystem::path(a.model.llama.model).filename().string();
  std::unique_ptr<lm::LanguageModel> model;
  method::LmRates rates;
  method::ScoreShape shape;
  double load = 0;
  if (http) {
    model = method::approximate_model(name);
    rates.why_unknown = "served by endpoints, which the plan sends nothing; token counts there are about four characters a token";
    shape = {a.model.http.max_in_flight * static_cast<int>(a.model.http.endpoints.size()), 1 << 30};
  } else {
    const auto t0 = std::chrono::steady_clock::now();
    model = lm::open_model(a.model, {});
    load = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    shape = {a.model.llama.n_parallel, a.model.llama.n_ctx > 0 ? a.model.llama.n_ctx : 1 << 30, a.model.llama.kv_streams};
  }
  method::FitPlanInputs in;
  in.records = load_records(a.data, a.fields);
  if (a.max_records > 0 && in.records.size() > a.max_records) in.records = data::sample(in.records, a.max_records, a.options.seed);
  in.personas = method::read_personas(a.personas);
  in.lm = model.get();
  in.options = a.options;
  in.shape = shape;
  auto fit_plan = method::plan_fit(in);
  if (!http) {
    fit_plan.probe.generate_prompt.clear();  // a fit only scores
    std::fprintf(stderr, "mop: probing %s\n", name.c_str());
    rates = method::probe_rates(*model, fit_plan.probe, shape);
    rates.load_s = load;
  }
  std::vector<method::PlannedStep> steps(1);
  steps[0].name = "open model";
  steps[0].model = name;
  if (rates.known) steps[0].seconds = load;
  for (auto& s : method::fit_steps(fit_plan, "fit", name)) steps.push_back(std::move(s));
  // As fit would take them: --resume continues after the newest checkpoint; without it a run
  // directory that holds a run is refused.
  const method::RunDir run(a.run);
  if (std::filesystem::exists(run.config())) {
    if (!a.options.resume) {
      steps[1].notes.insert(steps[1].notes.begin(), "fit will refuse: " + a.run + " already holds a run (use --resume, or another --run)");
    } else {
      int done = std::filesystem::exists(run.gate()) ? a.options.epochs : 0;
      if (!done && std::filesystem::exists(run.checkpoints()))
        for (const auto& [epoch, path] : run.list_checkpoints()) done = std::max(done, epoch);
      for (int e = 0; e < done && e + 1 < static_cast<int>(steps.size()); ++e) steps[static_cast<size_t>(e) + 1].status = "done (skipped)";
      if (done >= a.options.epochs) steps[0].status = "done (skipped)";  // nothing left to load the model for
    }
  }
  const std::map<std::string, method::LmRates> all = {{name, rates}};
  method::fill_seconds(steps, all);
  std::cout << "fit: " << fit_plan.train << " training and " << fit_plan.val << " held-out records, "
            << in.personas.size() << " personas, " << fit_plan.exemplars.size() << " exemplars, M = " << a.options.top_m
            << ", " << a.options.epochs << " epochs\n\n"
            << method::plan_table(steps, all);
  if (!a.plan_json.empty()) {
    auto j = method::plan_json(steps, all);
    j["fit"] = {{"train", fit_plan.train}, {"val", fit_plan.val}, {"personas", in.personas.size()},
                {"exemplars", fit_plan.exemplars.size()}, {"top_m", a.options.top_m}, {"epochs", a.options.epochs}};
    util::write_file_atomic(a.plan_json, j.dump(2) + "\n");
  }
}

void run(const FitArgs& a) {
  // First: a server that cannot score fails here, before any data is read or embedded.
  auto model = lm::open_model(a.model, {.score = true});
  auto records = load_records(a.data, a.fields);
  if (a.max_records > 0 && records.size() > a.max_records) records = data::sample(records, a.max_records, a.options.seed);
  method::FitInputs in;
  in.records = std::move(records);
  in.personas = method::read_personas(a.personas);
  const auto n_personas = static_cast<int>(in.personas.size());
  in.encoder = embed::open_encoder(a.encoder);
  in.lm = model.get();
  in.provenance = {{"data", a.data}, {"personas", a.personas}, {"model", model->id()}, {"max_records", a.max_records}};
  auto bar = std::make_unique<util::ProgressBar>("epoch 1", 0);
  method::EpochReport last;
  method::fit(
      method::RunDir(a.run), std::move(in), a.options, [&](size_t d, size_t t) { bar->update(d, t); },
      [&](const method::EpochReport& r) {
        bar->finish();
        std::fprintf(stderr,
                     "epoch %d: train loss %.4f | val ll %.4f (uniform %.4f, no exemplar %.4f) | gate uses %.1f pairs, "
                     "%.1f personas, %.1f exemplars each | tau %.2f-%.2f | cache hits %.0f%% | LM pairs %zu, tokens %zu | %.1f s\n",
                     r.epoch, r.train_loss, r.val_ll, r.val_ll_uniform, r.val_ll_no_exemplar, r.effective_pairs,
                     r.effective_personas, r.exemplars_per_persona, r.tau_min, r.tau_max, 100 * r.cache_hit_rate, r.lm_pairs,
                     r.lm_tokens, r.seconds);
        last = r;
        bar = std::make_unique<util::ProgressBar>("epoch " + std::to_string(r.epoch + 1), 0);
      });
  bar->finish();
  std::fprintf(stderr, "mop: fitted gate written to %s\n", method::RunDir(a.run).gate().c_str());
  // Effective counts are exp(entropy) of the mean gate weights (docs/method.md): how many pairs and
  // personas simulation will really draw from.
  if (last.epoch == 0) return;
  std::fprintf(stderr,
               "mop: the fitted gate uses about %.1f persona-exemplar pairs and %.1f personas (effective numbers), "
               "%.1f exemplars per persona; temperatures %.2f-%.2f; for %.0f%% of records its top %d pairs share one persona\n",
               last.effective_pairs, last.effective_personas, last.exemplars_per_persona, last.tau_min, last.tau_max,
               100 * last.one_persona_share, a.options.top_m);
  const std::string budget = method::token_budget_summary(last.exemplars_cut, last.responses_cut, last.responses_skipped, a.options);
  if (!budget.empty()) std::fprintf(stderr, "mop: token budgets: %s (see --max-exemplar-tokens, --max-response-tokens)\n", budget.c_str());
  if (const auto warning = method::collapse_warning(last, n_personas, a.options)) std::fprintf(stderr, "mop: warning: %s\n", warning->c_str());
}

}  // namespace

void register_fit(CLI::App& app) {
  auto a = std::make_shared<FitArgs>();
  auto* cmd = app.add_subcommand("fit", "Train the Mixture-of-Personas gate (the LM stays frozen)");
  cmd->footer(
      "Writes the run directory: config.json, personas.jsonl, exemplars.jsonl, encoder.state.json, gate.bin,\n"
      "train_log.jsonl and checkpoints/ (one per epoch). --resume continues a stopped run.\n"
      "Example:\n"
      "  mop fit --data ../shared/data/sst2/train.jsonl --personas personas.jsonl --run runs/sst2 -m model.gguf\n"
      "          --domain movie --exemplars 1000 --top-m 4 --epochs 3");
  cmd->add_option("--data", a->data, "training data")->required();
  cmd->add_option("--personas", a->personas, "personas (from mop personas, or your own .txt/.jsonl)")->required();
  cmd->add_option("--run", a->run, "run directory to write")->required();
  cmd->add_option("--encoder", a->encoder, "sentence encoder: glove-sif, a GGUF embedding model, or hf:...")->capture_default_str();
  cmd->add_option("--max-records", a->max_records, "train on a seeded sample of this many records (0 = all)")->capture_default_str();
  auto& o = a->options;
  cmd->add_option("--exemplars", o.n_exemplars, "N: records kept as in-context exemplars")->capture_default_str();
  cmd->add_option("--top-m", o.top_m, "M: persona-exemplar pairs scored per record")->capture_default_str();
  cmd->add_option("--pair-choice", o.pair_choice,
                  "guided: the gate's top pairs plus pairs pointed to by the record's response; top-m: the paper's "
                  "top M by gate weight")
      ->check(CLI::IsMember({"guided", "top-m"}))
      ->capture_default_str();
  cmd->add_option("--guided-pairs", o.guided_pairs, "G of the M pairs drawn from the guided proposal, the rest exact (-1: half of M, rounded up)")
      ->capture_default_str();
  cmd->add_option("--guide-weight", o.guide_weight, "sharpness of the response-guided proposal, per standard deviation of similarity")
      ->capture_default_str();
  cmd->add_option("--guide-gate-share", o.guide_gate_share, "share of the proposal that follows the gate (bounds importance weights)")
      ->capture_default_str();
  cmd->add_option("--max-exemplar-tokens", o.max_exemplar_tokens,
                  "cut exemplars shown in prompts to this many tokens, at a word boundary, ending \" [...]\" (0: never)")
      ->capture_default_str();
  cmd->add_option("--max-response-tokens", o.max_response_tokens,
                  "a response longer than this many tokens is cut or skipped (--long-responses; 0: never)")
      ->capture_default_str();
  cmd->add_option("--max-context-tokens", o.max_context_tokens,
                  "cut a record's context x to this many tokens, at a word boundary, ending \" [...]\" (0: never)")
      ->capture_default_str();
  cmd->add_option("--long-responses", o.long_responses,
                  "cut: score a long response on its first --max-response-tokens tokens; skip: leave it out of fitting")
      ->check(CLI::IsMember({"cut", "skip"}))
      ->capture_default_str();
  cmd->add_option("--epochs", o.epochs, "passes over the training records")->capture_default_str();
  cmd->add_option("--batch", o.batch_size, "records per optimizer step")->capture_default_str();
  cmd->add_option("--lr", o.adam.lr, "Adam learning rate")->capture_default_str();
  cmd->add_option("--weight-decay", o.adam.weight_decay, "decoupled weight decay of the projections")->capture_default_str();
  cmd->add_option("--dim", o.gate.dim_proj, "projection dimension of the gate")->capture_default_str();
  cmd->add_option("--tau-init", o.gate.tau_init, "initial temperature of every persona")->capture_default_str();
  cmd->add_option("--tau-min", o.gate.tau_min, "lowest temperature")->capture_default_str();
  cmd->add_option("--tau-max", o.gate.tau_max, "highest temperature")->capture_default_str();
  cmd->add_option("--tau-tolerance", o.tau_tolerance, "reuse cached LM scores while tau moved less than this")->capture_default_str();
  cmd->add_option("--val-fraction", o.val_fraction, "records held out for validation")->capture_default_str();
  cmd->add_option("--max-val", o.max_val, "at most this many held-out records")->capture_default_str();
  cmd->add_option("--reference-pairs", o.reference_pairs, "random pairs per record for the reference log-likelihoods")->capture_default_str();
  cmd->add_option("--domain", o.domain, "news|restaurant|movie|generic (prompt wording)")->capture_default_str();
  cmd->add_option("--seed", o.seed, "seed for splits, exemplars, initial weights and order")->capture_default_str();
  cmd->add_flag("--resume", o.resume, "continue the run in --run from its newest valid checkpoint");
  cmd->add_flag("--no-exemplars", o.no_exemplars, "ablation: prompts carry the persona only");
  cmd->add_flag("--plan", a->plan,
                "print the LM requests and tokens each epoch will score and an estimated time (from a short probe "
                "of the model; unknown for endpoints), and stop; writes nothing");
  cmd->add_option("--plan-json", a->plan_json, "with --plan: also write the plan as JSON to this file");
  add_data_options(cmd, a->fields);
  add_model_options(cmd, a->model);
  cmd->callback([a] {
    if (!a->plan_json.empty() && !a->plan) throw Error("--plan-json goes with --plan");
    if (a->plan) plan(*a);
    else run(*a);
  });
}

}  // namespace mop::cli
