// mop lm generate | score: direct access to the language-model layer.
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.h"
#include "model_options.h"
#include "mop/error.h"
#include "mop/util/atomic_file.h"
#include "mop/util/jsonl.h"
#include "mop/util/progress.h"

namespace mop::cli {
namespace {

struct LmArgs {
  lm::ModelOptions model;
  std::string input;   // --prompts / --input
  std::string prompt;  // --prompt
  std::string continuation;
  std::string system;
  bool chat = false;
  std::string out;
  lm::SamplingParams sampling;
  double tau = 1.0;
};

// Writes output lines to --out atomically, or to stdout.
void emit(const std::string& out, const std::string& lines) {
  if (out.empty() || out == "-") std::cout << lines << std::flush;
  else util::write_file_atomic(out, lines);
}

// A request from a line: "prompt" is used as is (or rendered as a user message with --chat);
// "user" (with an optional "system") is always rendered with the chat template. Conversations
// keep their messages, which --api chat sends as such.
lm::GenerateRequest request_of(const util::JsonLine& line, const LmArgs& a, const lm::LanguageModel& model) {
  if (auto user = line.optional_string("user")) return model.request(line.optional_string("system").value_or(a.system), *user);
  const std::string p = line.string_field("prompt");
  if (a.chat) return model.request(a.system, p);
  lm::GenerateRequest r;
  r.prompt = p;
  return r;
}

std::string prompt_of(const util::JsonLine& line, const LmArgs& a, const lm::LanguageModel& model) {
  return request_of(line, a, model).prompt;
}

std::string where(const util::JsonLine& line) { return line.file + ":" + std::to_string(line.line); }

std::vector<util::JsonLine> inputs(const LmArgs& a, const char* file_flag, nlohmann::json single) {
  if (!a.input.empty() && !a.prompt.empty()) throw Error(std::string("give either --prompt or ") + file_flag + ", not both");
  if (!a.input.empty()) return util::read_jsonl_objects(a.input);
  if (a.prompt.empty()) throw Error(std::string("no input: give --prompt TEXT or ") + file_flag + " FILE.jsonl");
  return {util::JsonLine{std::move(single), "--prompt", 1}};
}

void run_generate(const LmArgs& a) {
  auto lines = inputs(a, "--prompts", {{"prompt", a.prompt}});
  auto model = lm::open_model(a.model);
  std::vector<lm::GenerateRequest> requests;
  for (size_t i = 0; i < lines.size(); ++i) {
    lm::GenerateRequest r = request_of(lines[i], a, *model);
    r.sampling = a.sampling;
    r.sampling.seed = lm::stream_seed(a.sampling.seed, i);
    if (auto s = lines[i].optional_number("seed")) r.sampling.seed = static_cast<uint64_t>(*s);
    if (auto t = lines[i].optional_number("temperature")) r.sampling.temperature = *t;
    if (auto m = lines[i].optional_number("max_tokens")) r.sampling.max_tokens = static_cast<int>(*m);
    requests.push_back(std::move(r));
  }
  util::ProgressBar bar("generate", requests.size());
  std::vector<lm::Generation> results;
  try {
    results = model->generate(requests, [&](size_t d, size_t) { bar.update(d); });
  } catch (const lm::RequestError& e) {
    if (e.index() >= lines.size()) throw;
    throw Error(where(lines[e.index()]) + ": " + e.detail());
  }
  bar.finish();
  std::string text;
  for (size_t i = 0; i < results.size(); ++i) {
    nlohmann::json j;
    if (auto id = lines[i].value.find("id"); id != lines[i].value.end()) j["id"] = *id;
    j["text"] = results[i].text;
    j["n_tokens"] = results[i].n_tokens;
    j["finish_reason"] = results[i].finish_reason;
    j["seed"] = requests[i].sampling.seed;
    text += util::dump_json_line(j) + "\n";
  }
  emit(a.out, text);
}

void run_score(const LmArgs& a) {
  auto lines = inputs(a, "--input", {{"prompt", a.prompt}, {"continuation", a.continuation}});
  auto model = lm::open_model(a.model, {.score = true});
  std::vector<lm::ScoreRequest> requests;
  for (const auto& line : lines) {
    lm::ScoreRequest r{prompt_of(line, a, *model), line.string_field("continuation"), a.tau};
    if (auto t = line.optional_number("tau")) r.tau = *t;
    requests.push_back(std::move(r));
  }
  util::ProgressBar bar("score", requests.size());
  std::vector<lm::Score> scores;
  try {
    scores = model->score(requests, [&](size_t d, size_t) { bar.update(d); });
  } catch (const lm::RequestError& e) {
    if (e.index() >= lines.size()) throw;
    throw Error(where(lines[e.index()]) + ": " + e.detail());
  }
  bar.finish();
  std::string text;
  for (size_t i = 0; i < scores.size(); ++i) {
    nlohmann::json j;
    if (auto id = lines[i].value.find("id"); id != lines[i].value.end()) j["id"] = *id;
    j["logprob"] = scores[i].logprob;
    j["dlogprob_dtau"] = scores[i].dlogprob_dtau;
    j["n_tokens"] = scores[i].n_tokens;
    text += util::dump_json_line(j) + "\n";
  }
  emit(a.out, text);
}

void add_prompt_options(CLI::App* cmd, LmArgs& a) {
  cmd->add_option("--prompt", a.prompt, "a single prompt");
  cmd->add_flag("--chat", a.chat, "render each prompt as a user message with the chat template");
  cmd->add_option("--system", a.system, "system message (the persona) when rendering with the chat template");
  cmd->add_option("-o,--out", a.out, "output JSONL file, written atomically (default: standard output)");
}

}  // namespace

void register_lm(CLI::App& app) {
  auto args = std::make_shared<LmArgs>();
  auto* lm = app.add_subcommand("lm", "Use the language model directly: generate text or score continuations");
  lm->require_subcommand(1);

  auto* gen = lm->add_subcommand("generate", "Sample continuations of prompts");
  gen->footer(
      "Input JSONL: one object per line with \"prompt\" (raw text) or \"user\" (+ optional \"system\"), rendered\n"
      "with the chat template; optional \"id\", \"seed\", \"temperature\", \"max_tokens\".\n"
      "Output JSONL, in input order: id, text, n_tokens, finish_reason, seed.\n"
      "Examples:\n"
      "  mop lm generate -m model.gguf --prompt 'Once upon a time' --max-tokens 32\n"
      "  mop lm generate -m model.gguf --prompts prompts.jsonl --temperature 0.8 --top-p 0.95 --seed 7 -o out.jsonl\n"
      "  mop lm generate --endpoint http://127.0.0.1:8080 --endpoint http://127.0.0.1:8081 --api chat --prompts prompts.jsonl");
  add_model_options(gen, args->model);
  gen->add_option("--prompts", args->input, "input JSONL file");
  add_prompt_options(gen, *args);
  gen->add_option("--temperature", args->sampling.temperature, "sampling temperature (0 = greedy)")->capture_default_str();
  gen->add_option("--top-p", args->sampling.top_p, "nucleus sampling threshold")->capture_default_str();
  gen->add_option("--max-tokens", args->sampling.max_tokens, "most tokens generated per prompt")->capture_default_str();
  gen->add_option("--stop", args->sampling.stop, "stop string (repeatable)");
  gen->add_flag("--ignore-eos", args->sampling.ignore_eos, "never sample end-of-generation tokens (always --max-tokens)");
  gen->add_option("--seed", args->sampling.seed, "seed; prompt i draws from its own stream derived from it")->capture_default_str();
  gen->callback([args] { run_generate(*args); });

  auto* score = lm->add_subcommand("score", "Log-likelihood of continuations given prompts, at a temperature");
  score->footer(
      "Input JSONL: \"prompt\" (or \"user\" + optional \"system\") and \"continuation\"; optional \"id\", \"tau\".\n"
      "Output JSONL, in input order: logprob = sum over continuation tokens of log softmax(logits/tau),\n"
      "dlogprob_dtau (its exact derivative) and n_tokens.\n"
      "Examples:\n"
      "  mop lm score -m model.gguf --prompt 'Once upon a time' --continuation ' there was a cat'\n"
      "  mop lm score -m model.gguf --input pairs.jsonl --tau 0.6 -o scores.jsonl\n"
      "  mop lm score --endpoint http://vllm-host:8000 --input pairs.jsonl   # needs prompt_logprobs (vLLM)");
  add_model_options(score, args->model);
  score->add_option("--input", args->input, "input JSONL file");
  add_prompt_options(score, *args);
  score->add_option("--continuation", args->continuation, "the continuation to score, with --prompt");
  score->add_option("--tau", args->tau, "temperature applied to the logits")->capture_default_str();
  score->callback([args] { run_score(*args); });
}

}  // namespace mop::cli
