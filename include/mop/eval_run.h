#pragma once
// One evaluation job end to end, as `mop eval` and `mop experiment` run it: load the golden, synthetic
// and (optional) training sets, check sizes, encode every set under one encoder state fitted on the
// golden set, evaluate, and write metrics.json, metrics.md, report.html (and encoder_state.json)
// atomically into one folder, with each set's result kept in its sets/ subfolder.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "mop/embed_open.h"
#include "mop/evaluate.h"

namespace mop::eval {

struct EvalJob {
  std::string golden;
  std::vector<std::string> synthetic;  // files, one row each
  std::vector<std::string> names;      // table names, parallel to synthetic ("" or absent: from the file)
  std::string train;                   // "" = no ceiling row
  std::string encoder = "glove-sif";
  embed::EncoderOptions encoder_options;
  std::string text_field = "text";
  std::string label_field = "label";
  bool require_golden_labels = false;  // the label field was asked for explicitly
  SuiteOptions suite;
  std::filesystem::path out;
  // Each set's result is kept in out/sets/. reuse: take what is there, so a killed evaluation
  // continues and one with more sets computes only the new ones (mop/eval_store.h); false: compute
  // every set again (and keep the new results).
  bool reuse = true;
};

// The health of the fitted gates the sets came from: for each set and each run its rows name, the
// run's personas (lines of personas.jsonl) and the last line of its train_log.jsonl (effective
// personas, exemplars per persona, tau range, share of records on one persona, val ll), and
// "collapsed" (fewer than 2 effective personas of 8 or more, as mop fit warns). A run folder that
// is gone or unreadable gets a "note" instead of figures.
nlohmann::json fit_health(const std::vector<EvalSet>& sets);

// Runs the job; throws mop::Error (before any slow work where it can) on bad inputs.
SuiteResult run_eval_job(const EvalJob& job, const std::function<void(const std::string&)>& progress = {});

}  // namespace mop::eval
