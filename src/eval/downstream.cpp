// Downstream macro-F1's training and prediction, with either classifier.
#include "eval/downstream.h"

#include <set>

#include "eval/fasttext_classifier.h"

namespace mop::eval::detail {

Downstream predict_golden(const EvalSet& train, const EvalSet& golden, const SuiteOptions& options) {
  Downstream d;
  if (options.classifier == Classifier::FastText) {
    d.predicted = FastTextClassifier::fit(train.texts, train.labels, options.fasttext).predict(golden.texts);
  } else {
    const auto model = SoftmaxClassifier::fit(train.embeddings, train.labels, options.softmax);
    if (!model.converged())
      d.notes.push_back("softmax training stopped at " + std::to_string(model.iterations()) +
                        " iterations before converging");
    d.predicted = model.predict(golden.embeddings);
  }
  // A golden label the classifier never saw can only be missed: say so, it explains a low F1.
  const std::set<std::string> seen(train.labels.begin(), train.labels.end());
  std::set<std::string> unseen;
  for (const auto& l : golden.labels)
    if (!seen.count(l)) unseen.insert(l);
  for (const auto& l : unseen) d.notes.push_back("golden label \"" + l + "\" never occurs in the training labels");
  return d;
}

double class_f1(const std::vector<std::string>& truth, const std::vector<std::string>& predicted,
                const std::string& label) {
  long tp = 0, fp = 0, fn = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const bool t = truth[i] == label, p = predicted[i] == label;
    tp += t && p;
    fp += !t && p;
    fn += t && !p;
  }
  const long denominator = 2 * tp + fp + fn;
  return denominator == 0 ? 0.0 : 2.0 * static_cast<double>(tp) / static_cast<double>(denominator);
}

}  // namespace mop::eval::detail
