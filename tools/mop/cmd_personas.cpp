// mop personas: synthesize personas from a data set (k-means + LLM summaries), or normalise a
// user-written persona file.
#include <fstream>
#include <memory>

#include "commands.h"
#include "data_options.h"
#include "model_options.h"
#include "mop/embed_open.h"
#include "mop/error.h"
#include "mop/personas.h"
#include "mop/prompts.h"
#include "mop/util/progress.h"

namespace mop::cli {
namespace {

struct PersonaArgs {
  std::string data;
  std::string from;
  std::string out;
  std::string encoder = "glove-sif";
  std::string template_file;
  bool generic = false;
  std::vector<std::string> label_choices;
  CLI::Option* temperature = nullptr;
  DataArgs fields;
  lm::ModelOptions model;
  method::PersonaOptions options;
};

void run(const PersonaArgs& a) {
  if ((!a.from.empty()) + (!a.data.empty()) + a.generic != 1)
    throw Error("give one of --data FILE (synthesize personas), --from FILE (your own) or --generic (written without data)");
  method::domain_by_name(a.options.domain);  // an unknown domain fails before the model loads
  std::vector<method::Persona> personas;
  std::unique_ptr<lm::LanguageModel> model;
  // Opened only when needed (--from alone needs none); labelling scores the options.
  const auto get_model = [&]() -> lm::LanguageModel& {
    if (!model) model = lm::open_model(a.model, {.score = !a.label_choices.empty()});
    return *model;
  };
  if (!a.from.empty()) {
    personas = method::read_personas(a.from);
  } else if (a.generic) {
    const double temperature = a.temperature->count() ? a.options.temperature : 1.0;
    util::ProgressBar bar("personas", static_cast<size_t>(a.options.k));
    personas = method::generic_personas(get_model(), a.options.k, a.options.domain, a.options.seed, temperature,
                                        a.options.max_tokens, [&](size_t d, size_t t) { bar.update(d, t); });
    bar.finish();
  } else {
    auto records = load_records(a.data, a.fields);
    method::PersonaOptions o = a.options;
    if (!a.template_file.empty()) {
      std::ifstream in(a.template_file);
      if (!in) throw Error("cannot read persona prompt template " + a.template_file);
      o.template_text.assign(std::istreambuf_iterator<char>(in), {});
    }
    std::vector<std::string> texts;
    for (const auto& r : records) texts.push_back(r.text);
    auto encoder = embed::open_encoder(a.encoder);
    if (encoder->fits_corpus()) encoder->fit_corpus(texts);
    const auto embeddings = embed::encode_with_progress(*encoder, texts, "embed");
    util::ProgressBar bar("personas", static_cast<size_t>(o.k));
    personas = method::synthesize_personas(records, embeddings, get_model(), o, [&](size_t d, size_t t) { bar.update(d, t); });
    bar.finish();
  }
  if (!a.label_choices.empty()) method::label_personas(get_model(), personas, a.label_choices, a.options.domain);
  method::write_personas(a.out, personas);
  std::fprintf(stderr, "mop: wrote %zu personas to %s\n", personas.size(), a.out.c_str());
}

}  // namespace

void register_personas(CLI::App& app) {
  auto a = std::make_shared<PersonaArgs>();
  auto* cmd = app.add_subcommand("personas", "Synthesize personas from data (k-means + LLM summaries) or load your own");
  cmd->footer(
      "Output JSONL: id, text, cluster_size, member_ids (records shown to the LLM), label (with --label-choices).\n"
      "Examples:\n"
      "  mop personas --data ../shared/data/sst2/train.jsonl --domain movie --k 100 -m model.gguf -o personas.jsonl\n"
      "  mop personas --from my_personas.txt -o personas.jsonl\n"
      "  mop personas --generic --domain movie --k 100 -m model.gguf -o generic.jsonl   (ablation: no data)\n"
      "  mop personas --data agnews.jsonl --domain news --k 100 -m model.gguf --label-choices World,Sports,Business,Sci/Tech -o p.jsonl");
  cmd->add_option("--data", a->data, "data set whose records are clustered");
  cmd->add_option("--from", a->from, "your own personas: .txt (one per line) or .jsonl (\"text\")");
  cmd->add_flag("--generic", a->generic, "ablation: personas the LLM writes for --domain without seeing data");
  cmd->add_option("--label-choices", a->label_choices,
                  "label each persona with one of these names (comma-separated) by a multiple-choice question (topic data)")
      ->delimiter(',');
  cmd->add_option("-o,--out", a->out, "output personas JSONL")->required();
  cmd->add_option("--encoder", a->encoder, "sentence encoder: glove-sif, a GGUF embedding model, or hf:...")->capture_default_str();
  cmd->add_option("--k", a->options.k, "number of personas")->capture_default_str();
  cmd->add_option("--per-cluster", a->options.per_cluster, "records shown to the LLM per cluster")->capture_default_str();
  cmd->add_option("--nearest", a->options.nearest, "of those, how many are the nearest to the centroid")->capture_default_str();
  cmd->add_option("--domain", a->options.domain, "news|restaurant|movie|generic (prompt wording)")->capture_default_str();
  cmd->add_option("--prompt-template", a->template_file, "your own summarisation prompt, with {examples} (and {noun})");
  cmd->add_option("--kmeans-restarts", a->options.kmeans_restarts, "k-means restarts")->capture_default_str();
  cmd->add_option("--seed", a->options.seed, "seed for k-means, member choice and sampling")->capture_default_str();
  a->temperature = cmd->add_option("--temperature", a->options.temperature,
                                   "sampling temperature (0 = greedy; default 0 for summaries, 1 for --generic)");
  cmd->add_option("--max-tokens", a->options.max_tokens, "longest summary")->capture_default_str();
  add_data_options(cmd, a->fields);
  add_model_options(cmd, a->model);
  cmd->callback([a] { run(*a); });
}

}  // namespace mop::cli
