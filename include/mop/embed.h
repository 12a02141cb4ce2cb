#pragma once
// mop::embed — the door to sentence encoders. Everything that works in embedding space (persona
// clustering, the gating network, every evaluation metric) calls only Encoder.
#include <Eigen/Dense>
#include <filesystem>
#include <string>
#include <vector>

namespace mop::embed {

// Row-major float matrix: one unit-norm row per text.
using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

class Encoder {
 public:
  virtual ~Encoder() = default;
  // Stable identity: the same id means the same vectors for the same text (keys the cache).
  virtual std::string id() const = 0;
  virtual int dim() const = 0;
  // One L2-normalised row per text, in order.
  virtual Matrix encode(const std::vector<std::string>& texts) = 0;

  // Some encoders adapt to a corpus before use (GloVe-SIF removes the corpus's common component).
  // Sets that will be compared must be encoded after one fit; the fitted state is saved with the
  // outputs that depend on it and loaded where they are reused. No-ops for encoders without state.
  virtual bool fits_corpus() const { return false; }
  virtual void fit_corpus(const std::vector<std::string>& /*texts*/) {}
  virtual void save_state(const std::filesystem::path& /*path*/) const {}
  virtual void load_state(const std::filesystem::path& /*path*/) {}
};

// encoder.encode(texts) in chunks of 512 texts, with a progress bar (or progress lines in logs,
// util/progress.h) labelled `label`: the same rows, for the long encodes of personas and eval.
Matrix encode_with_progress(Encoder& encoder, const std::vector<std::string>& texts, const std::string& label);

}  // namespace mop::embed
