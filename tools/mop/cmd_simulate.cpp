// mop simulate: draw a synthetic population from a fitted run directory.
#include <cstdio>
#include <memory>

#include "commands.h"
#include "contexts_file.h"
#include "data_options.h"
#include "model_options.h"
#include "mop/embed_open.h"
#include "mop/error.h"
#include "mop/fit_options.h"
#include "mop/simulator.h"
#include "mop/util/progress.h"

namespace mop::cli {
namespace {

struct SimArgs {
  std::string run, out, encoder, contexts, context_field = "context", label, gate = "learned";
  lm::ModelOptions model;
  method::SimulateOptions options;
  int max_context_tokens = -1;  // -1: the budget the run was fitted with
};

void run(SimArgs a) {
  const method::RunDir run(a.run);
  const auto config = run.read_config();
  if (a.encoder.empty()) {
    // The encoder the run was fitted with: its id starts with its kind.
    const std::string id = config.value("encoder", "glove-sif");
    a.encoder = id.rfind("glove-sif", 0) == 0 ? "glove-sif" : id;
  }
  if (!a.contexts.empty()) a.options.contexts = read_contexts(a.contexts, a.context_field);
  if (!a.label.empty()) a.options.label = a.label;
  a.options.gate = method::parse_gate_mode(a.gate);
  auto encoder = embed::open_encoder(a.encoder);
  auto model = lm::open_model(a.model);
  // By default contexts are cut as the fit cut its records' (runs from before the budget: never).
  a.options.max_context_tokens =
      a.max_context_tokens >= 0 ? a.max_context_tokens
                                : config.contains("options") ? method::fit_options_from_json(config.at("options")).max_context_tokens : 0;
  gen::budget_contexts(*model, a.options);
  util::ProgressBar bar("simulate", a.options.n);
  method::simulate(run, *encoder, *model, a.out, a.options, [&](size_t d, size_t t) { bar.update(d, t); });
  bar.finish();
  std::fprintf(stderr, "mop: wrote %zu samples to %s\n", a.options.n, a.out.c_str());
}

}  // namespace

void register_simulate(CLI::App& app) {
  auto a = std::make_shared<SimArgs>();
  auto* cmd = app.add_subcommand("simulate", "Draw a synthetic population from a fitted run");
  cmd->footer(
      "Output JSONL: index, text, context, label, provenance (persona_id, exemplar_id, tau, seed, model, run).\n"
      "Rerunning the same command after an interruption continues it (OUT.partial).\n"
      "Examples:\n"
      "  mop simulate --run runs/sst2 -m model.gguf -n 5000 -o synthetic.jsonl\n"
      "  mop simulate --run runs/sst2 --endpoint http://gpu1:8000 --endpoint http://gpu2:8000 --chat-template llama3 -n 5000 -o s.jsonl\n"
      "  mop simulate --run runs/sst2 -m other.gguf -n 1000 --condition 'You had a positive impression.' --label positive -o pos.jsonl\n"
      "  mop simulate --run runs/yelp -m model.gguf -n 1000 --contexts categories.txt --mix 2 -o mixed.jsonl");
  cmd->add_option("--run", a->run, "run directory from mop fit")->required();
  cmd->add_option("-o,--out", a->out, "output JSONL")->required();
  cmd->add_option("-n,--samples", a->options.n, "number of samples")->capture_default_str();
  cmd->add_option("--contexts", a->contexts, "contexts x: .txt (one per line) or .jsonl; sample i uses context i mod C");
  cmd->add_option("--context-field", a->context_field, "field of a .jsonl contexts file")->capture_default_str();
  cmd->add_option("--max-context-tokens", a->max_context_tokens,
                  "cut each context to this many tokens, ending \" [...]\" (0: never; default: as the run was fitted)");
  cmd->add_option("--condition", a->options.condition, "extra instruction, e.g. 'You had a positive impression.'");
  cmd->add_option("--label", a->label, "label stored with every sample (default: the condition)");
  cmd->add_option("--mix", a->options.mix, "L: personas merged into one per sample")->capture_default_str();
  cmd->add_option("--gate", a->gate,
                  "learned (the fitted gate) | random-similar (ablation: random persona, exemplar among the nearest)")
      ->capture_default_str();
  cmd->add_option("--similar-k", a->options.similar_k, "random-similar: nearest exemplars drawn from")->capture_default_str();
  cmd->add_option("--max-tokens", a->options.max_tokens, "longest response")->capture_default_str();
  cmd->add_option("--top-p", a->options.top_p, "nucleus sampling threshold")->capture_default_str();
  cmd->add_option("--stop", a->options.stop, "stop string (repeatable)");
  cmd->add_option("--seed", a->options.seed, "seed; sample i draws from its own stream")->capture_default_str();
  cmd->add_option("--chunk", a->options.chunk, "samples per generation call and resumable chunk")->capture_default_str();
  cmd->add_option("--encoder", a->encoder, "sentence encoder (default: the one the run was fitted with)");
  add_model_options(cmd, a->model);
  cmd->callback([a] { run(*a); });
}

}  // namespace mop::cli
