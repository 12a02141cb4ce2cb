// Macro-F1 over the union of true and predicted labels.
#include <map>

#include "mop/error.h"
#include "mop/metrics.h"

namespace mop::eval {

double macro_f1(const std::vector<std::string>& truth, const std::vector<std::string>& predicted) {
  if (truth.empty()) throw Error("macro-F1: no labels given");
  if (truth.size() != predicted.size())
    throw Error("macro-F1: " + std::to_string(truth.size()) + " true labels but " +
                std::to_string(predicted.size()) + " predictions");
  struct Counts {
    long tp = 0, fp = 0, fn = 0;
  };
  std::map<std::string, Counts> per_class;
  for (size_t i = 0; i < truth.size(); ++i) {
    if (truth[i] == predicted[i]) {
      ++per_class[truth[i]].tp;
    } else {
      ++per_class[truth[i]].fn;
      ++per_class[predicted[i]].fp;
    }
  }
  double sum = 0;
  for (const auto& [label, c] : per_class)  // every class here has a non-zero denominator
    sum += 2.0 * static_cast<double>(c.tp) / static_cast<double>(2 * c.tp + c.fp + c.fn);
  return sum / static_cast<double>(per_class.size());
}

}  // namespace mop::eval
