// Long encodes in chunks, so progress shows while they run (personas, embed, eval).
#include <algorithm>

#include "mop/embed.h"
#include "mop/util/progress.h"

namespace mop::embed {

// Small enough for a smooth progress bar, large enough to fill an encoder's batches.
constexpr size_t kChunk = 512;

Matrix encode_with_progress(Encoder& encoder, const std::vector<std::string>& texts, const std::string& label) {
  Matrix m(static_cast<Eigen::Index>(texts.size()), encoder.dim());
  util::ProgressBar bar(label, texts.size());
  for (size_t begin = 0; begin < texts.size(); begin += kChunk) {
    const size_t end = std::min(texts.size(), begin + kChunk);
    const std::vector<std::string> chunk(texts.begin() + static_cast<std::ptrdiff_t>(begin),
                                         texts.begin() + static_cast<std::ptrdiff_t>(end));
    m.middleRows(static_cast<Eigen::Index>(begin), static_cast<Eigen::Index>(end - begin)) = encoder.encode(chunk);
    bar.update(end);
  }
  bar.finish();
  return m;
}

}  // namespace mop::embed
