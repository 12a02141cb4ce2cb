// run_eval_job (include/mop/eval_run.h). It is the report layer's, not eval's: it writes report.html.
#include <algorithm>
#include <set>

#include "mop/error.h"
#include "mop/eval_store.h"
#include "mop/eval_run.h"
#include "mop/report.h"
#include "mop/util/atomic_file.h"

namespace mop::eval {
namespace {

void encode(embed::Encoder& encoder, EvalSet& set) {
  set.embeddings = embed::encode_with_progress(encoder, set.texts, "embed " + set.name);
}

// Tables name sets by file name; the path where two share one, then a counter.
void name_uniquely(std::vector<EvalSet>& sets) {
  std::set<std::string> used;
  for (auto& s : sets) {
    if (used.count(s.name)) s.name = s.path;
    for (int i = 2; used.count(s.name); ++i) s.name = s.path + " #" + std::to_string(i);
    used.insert(s.name);
  }
}

}  // namespace

SuiteResult run_eval_job(const EvalJob& job, const std::function<void(const std::string&)>& progress) {
  const std::filesystem::path& out = job.out;
  if (std::filesystem::exists(out) && !std::filesystem::is_directory(out))
    throw Error("--out " + out.string() + " exists and is not a folder");
  if (!job.names.empty() && job.names.size() != job.synthetic.size())
    throw Error("evaluation: " + std::to_string(job.names.size()) + " names for " + std::to_string(job.synthetic.size()) +
                " synthetic sets");

  const std::string& group_by = job.suite.subgroups.group_by;
  EvalSet golden = load_eval_set(job.golden, {job.text_field, job.label_field, job.require_golden_labels, group_by, true});
  std::vector<EvalSet> synthetic;
  for (size_t i = 0; i < job.synthetic.size(); ++i) {
    synthetic.push_back(load_eval_set(job.synthetic[i], {job.text_field, job.label_field, false, group_by, false}));
    if (!job.names.empty() && !job.names[i].empty()) synthetic.back().name = job.names[i];
  }
  name_uniquely(synthetic);
  std::optional<EvalSet> train;
  if (!job.train.empty()) train = load_eval_set(job.train, {job.text_field, job.label_field, true, group_by, false});
  // Fail on sizes before the slow part.
  std::vector<const EvalSet*> others;
  for (const auto& s : synthetic) others.push_back(&s);
  if (train) others.push_back(&*train);
  check_sizes(golden, others, job.suite);

  auto encoder = embed::open_encoder(job.encoder, job.encoder_options);
  std::filesystem::create_directories(out);
  // Every set is encoded under one state fitted on the golden set, saved beside the metrics.
  const bool fits = encoder->fits_corpus();
  if (fits) {
    encoder->fit_corpus(golden.texts);
    encoder->save_state(out / "encoder_state.json");
  }
  encode(*encoder, golden);
  for (auto& s : synthetic) encode(*encoder, s);
  if (train) encode(*encoder, *train);

  DirectoryStore store(out / "sets", job.reuse);
  SuiteResult result = evaluate(golden, synthetic, train ? &*train : nullptr, job.suite, progress, &store);
  result.fit_health = fit_health(synthetic);
  result.settings["encoder"] = {{"name", job.encoder},
                                {"id", encoder->id()},
                                {"state", fits ? nlohmann::json("encoder_state.json") : nlohmann::json()}};
  result.settings["inputs"] = {{"golden", job.golden},
                               {"synthetic", job.synthetic},
                               {"train", job.train.empty() ? nlohmann::json() : nlohmann::json(job.train)},
                               {"text_field", job.text_field},
                               {"label_field", job.label_field}};

  util::write_file_atomic(out / "metrics.json", to_json(result).dump(2) + "\n");
  util::write_file_atomic(out / "metrics.md", to_markdown(result));
  report::PageOptions page;
  page.seed = job.suite.seed;
  util::write_file_atomic(out / "report.html", report::render_html(result, golden, synthetic, page));
  return result;
}

}  // namespace mop::eval
