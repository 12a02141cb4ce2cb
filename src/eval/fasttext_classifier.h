#pragma once
// fastText's supervised text classifier (Debian's libfasttext 0.9.2), the downstream task's second
// classifier: it reads the raw texts, not the sentence embeddings.
#include <memory>
#include <string>
#include <vector>

#include "mop/evaluate.h"

namespace mop::eval {

class FastTextClassifier {
 public:
  // Trains on texts with their labels (at least two distinct labels): softmax loss, one thread, so
  // the model depends only on the data and options. Texts are lower-cased (ASCII) and their line
  // breaks and tabs become spaces, since fastText reads one example per line.
  static FastTextClassifier fit(const std::vector<std::string>& texts, const std::vector<std::string>& labels,
                                const FastTextOptions& options = {});
  FastTextClassifier(FastTextClassifier&&) noexcept;
  FastTextClassifier& operator=(FastTextClassifier&&) noexcept;
  ~FastTextClassifier();

  // The most probable label per text; a text with no word the model knows gets the most frequent
  // training label (fastText itself predicts nothing for it).
  std::vector<std::string> predict(const std::vector<std::string>& texts) const;
  // Distinct training labels, sorted.
  const std::vector<std::string>& classes() const;

 private:
  struct Impl;
  explicit FastTextClassifier(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mop::eval
