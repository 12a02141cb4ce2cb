// ProGen's in-context feedback: train the task model on the samples so far, score each sample's
// helpfulness (mop/influence.h), keep the most helpful of every label.
#include "baselines/progen_feedback.h"

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <optional>

#include <nlohmann/json.hpp>

#include "mop/error.h"

namespace mop::baselines {

size_t progen_round_start(size_t n, int rounds, int r) {
  return static_cast<size_t>(static_cast<unsigned __int128>(n) * static_cast<unsigned>(r) / static_cast<unsigned>(rounds));
}

std::vector<std::vector<size_t>> most_helpful(const std::vector<double>& helpfulness,
                                              const std::vector<std::string>& row_labels,
                                              const std::vector<std::string>& labels, size_t top) {
  std::vector<size_t> order(helpfulness.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return helpfulness[a] > helpfulness[b]; });
  std::vector<std::vector<size_t>> out(labels.size());
  for (size_t i : order)
    for (size_t k = 0; k < labels.size(); ++k)
      if (row_labels[i] == labels[k] && out[k].size() < top) out[k].push_back(i);
  return out;
}

namespace detail {

ProgenFeedback progen_feedback(const std::map<size_t, std::string>& lines, size_t end, embed::Encoder& encoder,
                               const ProgenOptions& o) {
  std::vector<std::string> texts, labels;
  std::vector<std::optional<std::string>> contexts;
  for (size_t i = 0; i < end; ++i) {
    const auto it = lines.find(i);
    if (it == lines.end()) throw Error("progen: sample " + std::to_string(i) + " of an earlier round is missing");
    const auto j = nlohmann::json::parse(it->second);
    texts.push_back(j.at("text").get<std::string>());
    labels.push_back(j.at("label").get<std::string>());
    contexts.push_back(j.contains("context") ? std::optional(j["context"].get<std::string>()) : std::nullopt);
  }
  // The encoder adapts to these samples (GloVe-SIF's common component): a function of the texts
  // alone, so a resumed run gets the same vectors.
  if (encoder.fits_corpus()) encoder.fit_corpus(texts);
  const auto scored = eval::helpfulness(encoder.encode(texts), labels, o.influence);
  std::fprintf(stderr, "mop: progen: feedback from %zu samples: validation RCE %.4f, classifier %s after %d iterations\n",
               end, scored.validation_rce, scored.converged ? "converged" : "NOT converged", scored.iterations);

  std::vector<std::string> class_labels;
  for (const auto& c : o.classes) class_labels.push_back(c.label);
  const auto best = most_helpful(scored.helpfulness, labels, class_labels, o.helpful);
  ProgenFeedback f;
  for (const auto& rows : best) {
    f.ids.emplace_back();
    f.scores.emplace_back();
    f.examples.emplace_back();
    for (size_t i : rows) {
      f.ids.back().push_back(i);
      f.scores.back().push_back(scored.helpfulness[i]);
      f.examples.back().push_back({texts[i], contexts[i]});
    }
  }
  return f;
}

}  // namespace detail
}  // namespace mop::baselines
