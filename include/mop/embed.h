#pragma once
// mop::embed — the door to sentence encoders. Everything that works in embedding space (persona
// clustering, the gating network, every evaluation metric) calls only Encoder.
#include <Eigen/Dense>
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
};

}  // namespace mop::embed
