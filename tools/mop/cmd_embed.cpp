// mop embed: encode a corpus into a NumPy matrix, one unit-norm row per record, plus the row order.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "mop/dataset.h"
#include "mop/embed_open.h"
#include "mop/error.h"
#include "mop/util/atomic_file.h"
#include "mop/util/npy.h"

namespace mop::cli {
namespace {

struct EmbedArgs {
  std::string encoder = "glove-sif";
  std::string input;
  std::string format = "auto";
  std::string text_field = "text";
  std::string id_field;
  bool skip_bad = false;
  std::string out;
  std::string state;
  embed::EncoderOptions options;
  bool no_cache = false;
  std::vector<std::string> endpoints;  // /v1/embeddings servers instead of --encoder
};

void run_embed(EmbedArgs a) {
  data::LoadOptions lo;
  lo.format = data::parse_format(a.format);
  lo.text_field = a.text_field;
  if (!a.id_field.empty()) lo.id_field = a.id_field;
  lo.skip_bad = a.skip_bad;
  const auto loaded = data::load(a.input, lo);
  if (loaded.report.skipped > 0) {
    std::fprintf(stderr, "mop: warning: %s: skipped %zu bad lines\n", a.input.c_str(), loaded.report.skipped);
    for (const auto& m : loaded.report.messages) std::fprintf(stderr, "  %s\n", m.c_str());
  }

  std::vector<std::string> texts;
  std::string ids;
  texts.reserve(loaded.records.size());
  for (const auto& r : loaded.records) {
    texts.push_back(r.text);
    ids += r.id + "\n";
  }

  a.options.use_cache = !a.no_cache;
  if (!a.endpoints.empty()) {  // the encoder spec for replicas: URL,URL,...
    a.encoder.clear();
    for (const auto& e : a.endpoints) a.encoder += (a.encoder.empty() ? "" : ",") + e;
  }
  auto encoder = embed::open_encoder(a.encoder, a.options);
  // Sets compared later must share one fitted state: fit here and save it, or reuse a saved one.
  const std::string state_out = a.out + ".state.json";
  const bool fit = encoder->fits_corpus() && a.state.empty();
  if (!a.state.empty()) {
    if (!encoder->fits_corpus()) throw Error("--state: encoder " + a.encoder + " has no corpus state to load");
    encoder->load_state(a.state);
  } else if (fit) {
    encoder->fit_corpus(texts);
  }
  const embed::Matrix m = embed::encode_with_progress(*encoder, texts, "embed");

  util::write_npy(a.out, m);
  util::write_file_atomic(a.out + ".ids.txt", ids);
  if (fit) encoder->save_state(state_out);
  std::fprintf(stderr, "mop: embedded %zu records (%d-d, %s) into %s%s\n", texts.size(), encoder->dim(),
               encoder->id().c_str(), a.out.c_str(), fit ? (", state in " + state_out).c_str() : "");
}

}  // namespace

void register_embed(CLI::App& app) {
  auto args = std::make_shared<EmbedArgs>();
  auto* cmd = app.add_subcommand("embed", "Encode a corpus into a NumPy matrix of unit-norm sentence embeddings");
  cmd->footer(
      "Outputs: OUT (.npy, float32, one row per record, in input order), OUT.ids.txt (the record ids,\n"
      "one per line, in the same order) and, for encoders fitted to the corpus (glove-sif), OUT.state.json.\n"
      "Encode sets that will be compared with one state: fit on one, pass its state with --state to the other.\n"
      "GGUF models: texts longer than the model's context are truncated to it.\n"
      "Examples:\n"
      "  mop embed --input golden.jsonl --out golden.npy\n"
      "  mop embed --input synthetic.jsonl --state golden.npy.state.json --out synthetic.npy\n"
      "  mop embed --encoder hf:CompendiumLabs/bge-small-en-v1.5-gguf/bge-small-en-v1.5-f16.gguf --input reviews.csv --out r.npy\n"
      "  mop embed --endpoint http://gpu1:8000 --endpoint http://gpu2:8000 --input reviews.csv --out r.npy");
  auto* enc = cmd->add_option("--encoder", args->encoder,
                              "glove-sif, a GGUF embedding model file, hf:OWNER/REPO/FILE.gguf, or http://HOST:PORT[,...]")
                   ->capture_default_str();
  cmd->add_option("--endpoint", args->endpoints,
                  "OpenAI-compatible /v1/embeddings server instead of --encoder (repeatable; API key from $MOP_API_KEY)")
      ->excludes(enc)
      ->allow_extra_args(false);
  cmd->add_option("--input", args->input, "records: JSONL, CSV, TSV, or a directory of .txt files")->required();
  cmd->add_option("--format", args->format, "input format: auto, jsonl, csv, tsv, txt")->capture_default_str();
  cmd->add_option("--text", args->text_field, "field holding the text")->capture_default_str();
  cmd->add_option("--id", args->id_field, "field holding the record id (default: \"id\" where present, else the row index)");
  cmd->add_flag("--skip-bad", args->skip_bad, "skip bad rows with a warning instead of failing");
  cmd->add_option("-o,--out", args->out, "output .npy file (written atomically)")->required();
  cmd->add_option("--state", args->state, "load this saved encoder state instead of fitting one on the input");
  cmd->add_option("--cache-dir", args->options.cache_dir, "mop cache folder (default $MOP_CACHE_DIR or ~/.cache/mop)");
  cmd->add_flag("--no-cache", args->no_cache, "do not use the on-disk embedding cache for model-based encoders");
  cmd->add_option("-t,--threads", args->options.n_threads, "CPU threads for model-based encoders (0 = all cores)")
      ->capture_default_str();
  cmd->add_option("--batch-size", args->options.batch_size, "texts per model call (model-based encoders)")
      ->capture_default_str();
  cmd->add_flag("--verbose", args->options.verbose, "show llama.cpp's own log");
  cmd->callback([args] { run_embed(*args); });
}

}  // namespace mop::cli
