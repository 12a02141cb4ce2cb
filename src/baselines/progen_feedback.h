#pragma once
// ProGen's feedback between rounds: the samples written so far, scored by helpfulness, and per
// class the most helpful ones as the next round's in-context pool.
#include <map>
#include <string>
#include <vector>

#include "mop/baselines.h"

namespace mop::baselines::detail {

struct ProgenFeedback {
  // Per class (ProgenOptions::classes order), best first: the samples' output indices, their
  // helpfulness and their text and context as exemplars.
  std::vector<std::vector<size_t>> ids;
  std::vector<std::vector<double>> scores;
  std::vector<std::vector<method::Example>> examples;
};

// Scores samples 0..end-1, read from the resumable output's `lines` (all of them must be there).
ProgenFeedback progen_feedback(const std::map<size_t, std::string>& lines, size_t end, embed::Encoder& encoder,
                               const ProgenOptions& options);

}  // namespace mop::baselines::detail
