// mop baseline NAME: the alternatives to MoP (zerogen, attrprompt, picle, progen), each writing
// a synthetic JSONL like mop simulate.
#include <cstdio>
#include <memory>

#include "commands.h"
#include "contexts_file.h"
#include "data_options.h"
#include "model_options.h"
#include "mop/baselines.h"
#include "mop/embed_open.h"
#include "mop/error.h"
#include "mop/util/progress.h"

namespace mop::cli {
namespace {

struct BaselineArgs {
  std::string name, out, contexts, context_field = "context", label, attributes, data, personas, encoder = "glove-sif";
  std::vector<std::string> classes;
  DataArgs data_args;
  lm::ModelOptions model;
  baselines::BaselineOptions options;
  baselines::PicleOptions picle;
  baselines::ProgenOptions progen;
  CLI::Option *attributes_opt = nullptr, *data_opt = nullptr, *personas_opt = nullptr, *pool_opt = nullptr,
              *shots_opt = nullptr, *class_opt = nullptr, *rounds_opt = nullptr, *helpful_opt = nullptr,
              *encoder_opt = nullptr;
};

// Options that belong to one baseline are errors with another, rather than silently ignored.
void check_options(const BaselineArgs& a) {
  if (a.name != "attrprompt" && a.attributes_opt->count()) throw Error("--attributes applies to attrprompt only");
  for (const auto* o : {a.data_opt, a.personas_opt, a.pool_opt})
    if (a.name != "picle" && o->count()) throw Error(o->get_name() + " applies to picle only");
  if (a.name != "picle" && a.name != "progen" && a.shots_opt->count()) throw Error("--shots applies to picle and progen only");
  for (const auto* o : {a.class_opt, a.rounds_opt, a.helpful_opt, a.encoder_opt})
    if (a.name != "progen" && o->count()) throw Error(o->get_name() + " applies to progen only");
  if (a.name == "picle" && (a.data.empty() || a.personas.empty()))
    throw Error("picle needs --data (candidate examples) and --personas (from mop personas)");
}

void run(BaselineArgs a) {
  baselines::check_baseline_name(a.name);
  check_options(a);
  method::domain_by_name(a.options.domain);  // an unknown domain fails before the model loads
  if (!a.contexts.empty()) a.options.contexts = read_contexts(a.contexts, a.context_field);
  if (!a.label.empty()) a.options.label = a.label;
  baselines::AttributeSet attributes;
  if (a.name == "attrprompt")
    attributes = a.attributes.empty() ? baselines::domain_attributes(a.options.domain) : baselines::read_attributes(a.attributes);
  std::vector<data::Record> records;
  std::vector<method::Persona> personas;
  if (a.name == "picle") {
    records = load_records(a.data, a.data_args);
    personas = method::read_personas(a.personas);
  }
  std::shared_ptr<embed::Encoder> encoder;
  if (a.name == "progen") {
    for (const auto& c : a.classes) a.progen.classes.push_back(baselines::parse_progen_class(c));
    a.progen.shots = a.picle.shots;  // one --shots flag for both
    embed::EncoderOptions eo;
    eo.n_threads = a.model.llama.n_threads;
    encoder = embed::open_encoder(a.encoder, eo);  // a missing encoder fails before the model loads
  }
  auto model = lm::open_model(a.model, {.score = a.name == "picle"});  // PICLe ranks examples by likelihood
  util::ProgressBar bar(a.name, a.options.n);
  const auto progress = [&](size_t d, size_t t) { bar.update(d, t); };
  if (a.name == "zerogen") baselines::zerogen(*model, a.out, a.options, progress);
  else if (a.name == "attrprompt") baselines::attrprompt(*model, a.out, attributes, a.options, progress);
  else if (a.name == "picle") baselines::picle(*model, a.out, personas, records, a.picle, a.options, progress);
  else baselines::progen(*model, a.out, *encoder, a.progen, a.options, progress);
  bar.finish();
  std::fprintf(stderr, "mop: wrote %zu samples to %s\n", a.options.n, a.out.c_str());
}

}  // namespace

void register_baseline(CLI::App& app) {
  auto a = std::make_shared<BaselineArgs>();
  auto* cmd = app.add_subcommand("baseline", "Generate with a baseline method: zerogen, attrprompt, picle or progen");
  cmd->footer(
      "Output JSONL like mop simulate: index, text, context, label, provenance (method, model, seed, temperature,\n"
      "and attributes for attrprompt; persona_id, exemplar_ids, ratios for picle; round, condition, example_ids,\n"
      "example_helpfulness for progen). Rerunning the same command\n"
      "after an interruption continues it (OUT.partial). See docs/baselines.md.\n"
      "Examples:\n"
      "  mop baseline zerogen -m model.gguf --domain movie -n 1000 --condition 'You had a positive impression.' --label positive -o zg.jsonl\n"
      "  mop baseline attrprompt -m model.gguf --domain news -n 1000 [--attributes attrs.json] -o ap.jsonl\n"
      "  mop baseline picle -m model.gguf --domain movie --data train.jsonl --personas personas.jsonl --pool 200 --shots 3 -n 1000 -o picle.jsonl\n"
      "  mop baseline progen -m model.gguf --domain movie -n 1000 --rounds 4 --shots 3 --class 'positive=You had a positive impression.'\n"
      "                      --class 'negative=You had a negative impression.' -o progen.jsonl");
  cmd->add_option("name", a->name, "zerogen | attrprompt | picle | progen")->required();
  cmd->add_option("-o,--out", a->out, "output JSONL")->required();
  cmd->add_option("-n,--samples", a->options.n, "number of samples")->capture_default_str();
  cmd->add_option("--domain", a->options.domain, "news | restaurant | movie | generic")->capture_default_str();
  cmd->add_option("--contexts", a->contexts, "contexts x: .txt (one per line) or .jsonl; sample i uses context i mod C");
  cmd->add_option("--context-field", a->context_field, "field of a .jsonl contexts file")->capture_default_str();
  cmd->add_option("--condition", a->options.condition, "extra instruction, e.g. 'You had a positive impression.'");
  cmd->add_option("--label", a->label, "label stored with every sample (default: the condition)");
  cmd->add_option("--temperature", a->options.temperature, "sampling temperature")->capture_default_str();
  cmd->add_option("--max-tokens", a->options.max_tokens, "longest response")->capture_default_str();
  cmd->add_option("--top-p", a->options.top_p, "nucleus sampling threshold")->capture_default_str();
  cmd->add_option("--stop", a->options.stop, "stop string (repeatable)");
  cmd->add_option("--seed", a->options.seed, "seed; sample i draws from its own stream")->capture_default_str();
  cmd->add_option("--chunk", a->options.chunk, "samples per generation call and resumable chunk")->capture_default_str();
  a->attributes_opt = cmd->add_option("--attributes", a->attributes,
                                      "attrprompt: JSON {\"attribute\": [\"value\", ...]} (default: the domain's set)");
  a->data_opt = cmd->add_option("--data", a->data, "picle: candidate examples (JSONL, CSV, TSV or a .txt folder)");
  a->personas_opt = cmd->add_option("--personas", a->personas, "picle: personas file (from mop personas)");
  a->pool_opt = cmd->add_option("--pool", a->picle.pool, "picle: candidates scored, a seeded sample of --data")->capture_default_str();
  a->shots_opt = cmd->add_option("--shots", a->picle.shots, "picle: in-context examples per persona; progen: per prompt")->capture_default_str();
  a->class_opt = cmd->add_option("--class", a->classes, "progen: LABEL=CONDITION, one per label (two or more); sample i has class i mod C");
  a->rounds_opt = cmd->add_option("--rounds", a->progen.rounds, "progen: generation rounds (round 1 zero-shot)")->capture_default_str();
  a->helpful_opt = cmd->add_option("--helpful", a->progen.helpful, "progen: per label, the most helpful samples the shots are drawn from")->capture_default_str();
  a->encoder_opt = cmd->add_option("--encoder", a->encoder, "progen: the classifier's sentence encoder: glove-sif, a GGUF embedding model, or hf:...")->capture_default_str();
  // The data flags of other commands, but --label here is the stored label, not a field.
  cmd->add_option("--text", a->data_args.text, "picle: field of --data holding the response y")->capture_default_str();
  cmd->add_option("--context", a->data_args.context, "picle: field of --data holding the context x");
  cmd->add_option("--format", a->data_args.format, "picle: format of --data, auto|jsonl|csv|tsv|txt")->capture_default_str();
  cmd->add_flag("--skip-bad", a->data_args.skip_bad, "picle: skip malformed lines of --data with a warning");
  add_model_options(cmd, a->model);
  cmd->callback([a] { run(*a); });
}

}  // namespace mop::cli
