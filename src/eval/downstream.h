#pragma once
// The downstream task of the suite: a classifier trained on one set's labels predicts the golden
// set's labels.
#include <string>
#include <vector>

#include "mop/evaluate.h"

namespace mop::eval::detail {

struct Downstream {
  std::vector<std::string> predicted;  // one per golden row
  std::vector<std::string> notes;      // e.g. softmax not converged, labels never seen in training
};

// Trains options.classifier on `train` (labelled) and predicts every golden row.
Downstream predict_golden(const EvalSet& train, const EvalSet& golden, const SuiteOptions& options);

// F1 of one class: 2TP / (2TP + FP + FN); 0 when the class is neither true nor predicted anywhere.
double class_f1(const std::vector<std::string>& truth, const std::vector<std::string>& predicted,
                const std::string& label);

}  // namespace mop::eval::detail
