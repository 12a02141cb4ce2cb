// wink-embeddings JSON -> converted GloVe file. Runs once per cache; simdjson's On Demand API
// parses the 307 MB file in a few seconds without building a DOM.
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "embed/glove_file.h"
#include "mop/error.h"

namespace mop::embed::detail {
namespace {

template <typename T>
T get(simdjson::simdjson_result<T> r, const std::string& what, const std::filesystem::path& json) {
  T value{};
  if (auto err = std::move(r).get(value); err) {
    throw Error("cannot read GloVe JSON " + json.string() + ": " + what + ": " + simdjson::error_message(err));
  }
  return value;
}

constexpr std::int64_t kMaxDim = 65536;  // as GloveFile::open allows

}  // namespace

void convert_wink_json(const std::filesystem::path& json, const std::filesystem::path& out) {
  simdjson::padded_string text;
  if (auto err = simdjson::padded_string::load(json.string()).get(text); err) {
    throw Error("cannot read GloVe JSON " + json.string() + ": " + simdjson::error_message(err));
  }
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc = get(parser.iterate(text), "not JSON", json);
  simdjson::ondemand::object root = get(doc.get_object(), "top level is not an object", json);

  std::int64_t dim = -1, size = -1, norm_index = -1, word_index = -1;
  std::vector<std::string> words;
  std::vector<float> vectors;
  std::vector<bool> seen;
  std::size_t rows = 0;
  std::vector<double> row;
  const auto fail = [&](const std::string& why) { return Error("GloVe JSON " + json.string() + ": " + why); };

  for (auto field : root) {
    const std::string_view key = get(field.unescaped_key(), "bad key", json);
    if (key == "dimensions") {
      dim = get(field.value().get_int64(), "dimensions", json);
    } else if (key == "size") {
      size = get(field.value().get_int64(), "size", json);
    } else if (key == "l2NormIndex") {
      norm_index = get(field.value().get_int64(), "l2NormIndex", json);
    } else if (key == "wordIndex") {
      word_index = get(field.value().get_int64(), "wordIndex", json);
    } else if (key == "words") {
      for (auto w : get(field.value().get_array(), "words", json)) {
        words.emplace_back(get(w.get_string(), "words[" + std::to_string(words.size()) + "]", json));
      }
    } else if (key == "vectors") {
      // Each row is [v_0 .. v_{dim-1}, l2 norm, word index]; the index places it and the key checks it.
      if (dim <= 0 || words.empty() || word_index < 0 || norm_index < 0) {
        throw fail("'vectors' comes before 'dimensions', 'wordIndex', 'l2NormIndex' or 'words'");
      }
      // The sizes come from the file: bound them before allocating (a fuzzed wordIndex of 3e10
      // asked for 266 GB). Rows are [dim values, then the norm and the index in either order].
      if (dim > kMaxDim) throw fail("'dimensions' is " + std::to_string(dim) + ", at most " + std::to_string(kMaxDim));
      if (std::min(word_index, norm_index) != dim || std::max(word_index, norm_index) != dim + 1)
        throw fail("'wordIndex' and 'l2NormIndex' must be 'dimensions' and 'dimensions' + 1");
      const std::size_t width = static_cast<std::size_t>(dim) + 2;
      // Each number takes at least two bytes ("0,"), so the file bounds how many rows it can hold.
      if (words.size() > text.size() / (2 * width)) throw fail(std::to_string(words.size()) + " words of " + std::to_string(dim) +
                                                               " dimensions cannot fit in a file of " + std::to_string(text.size()) + " bytes");
      vectors.assign(words.size() * static_cast<std::size_t>(dim), 0.0f);
      seen.assign(words.size(), false);
      row.resize(width);
      for (auto entry : get(field.value().get_object(), "vectors", json)) {
        const std::string_view w = get(entry.unescaped_key(), "vector key", json);
        std::size_t k = 0;
        for (auto x : get(entry.value().get_array(), "vector of '" + std::string(w) + "'", json)) {
          const double v = get(x.get_double(), "vector of '" + std::string(w) + "'", json);
          if (k < width) row[k] = v;
          ++k;
        }
        if (k != width) throw fail("vector of '" + std::string(w) + "' has " + std::to_string(k) + " numbers, expected " + std::to_string(width));
        const double idx = row[static_cast<std::size_t>(word_index)];
        if (idx < 0 || idx >= static_cast<double>(words.size()) || idx != std::floor(idx) || words[static_cast<std::size_t>(idx)] != w) {
          throw fail("vector of '" + std::string(w) + "' has a word index that does not match 'words'");
        }
        const std::size_t i = static_cast<std::size_t>(idx);
        if (seen[i]) throw fail("two vectors for '" + std::string(w) + "'");
        seen[i] = true;
        ++rows;
        float* dst = vectors.data() + i * static_cast<std::size_t>(dim);
        for (std::int64_t d = 0; d < dim; ++d) {
          if (!std::isfinite(row[static_cast<std::size_t>(d)])) throw fail("non-finite value in the vector of '" + std::string(w) + "'");
          dst[d] = static_cast<float>(row[static_cast<std::size_t>(d)]);
        }
      }
    }
    // Other keys (precision, unkVector) carry nothing mop uses; On Demand skips them.
  }
  if (dim <= 0) throw fail("no 'dimensions'");
  if (words.empty()) throw fail("no 'words'");
  if (size >= 0 && static_cast<std::size_t>(size) != words.size()) {
    throw fail("'size' is " + std::to_string(size) + " but 'words' has " + std::to_string(words.size()));
  }
  if (rows != words.size()) {
    throw fail(std::to_string(rows) + " vectors for " + std::to_string(words.size()) + " words");
  }
  write_glove_file(out, words, vectors, static_cast<int>(dim));
}

}  // namespace mop::embed::detail
