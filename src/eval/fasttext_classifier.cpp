// fastText supervised training through libfasttext: it only trains from a file, so the examples
// go to a temporary file in fastText's "__label__N text" format first.
#include "eval/fasttext_classifier.h"

#include <fasttext/fasttext.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "mop/error.h"

namespace mop::eval {

struct FastTextClassifier::Impl {
  fasttext::FastText model;
  std::vector<std::string> classes;
  std::string fallback;  // most frequent training label
};

namespace {

// One line of fastText input: whitespace fastText would split lines on becomes a space.
std::string clean(const std::string& text) {
  std::string out = text;
  for (char& c : out) {
    if (c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f' || c == '\0') c = ' ';
    else if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Removes the training file however fit() leaves.
class TempFile {
 public:
  TempFile() {
    std::string pattern = (std::filesystem::temp_directory_path() / "mop-fasttext-XXXXXX").string();
    const int fd = ::mkstemp(pattern.data());
    if (fd < 0) throw Error("fastText: cannot create a temporary training file in " + pattern);
    ::close(fd);
    path_ = pattern;
  }
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

fasttext::Args training_args(const FastTextOptions& o, const std::string& input) {
  if (o.dim < 1 || o.epochs < 1 || !(o.lr > 0) || o.word_ngrams < 1 || o.bucket < 0 || o.min_count < 1)
    throw Error("fastText: dim, epochs, lr, word_ngrams and min_count must be positive, bucket not negative");
  fasttext::Args a;  // the constructor's defaults are for word vectors; set the supervised ones
  a.input = input;
  a.model = fasttext::model_name::sup;
  a.loss = fasttext::loss_name::softmax;
  a.dim = o.dim;
  a.epoch = o.epochs;
  a.lr = o.lr;
  a.wordNgrams = o.word_ngrams;
  a.bucket = o.word_ngrams > 1 ? o.bucket : 0;
  a.minCount = o.min_count;
  a.minn = 0;  // no character n-grams, as fastText's supervised default
  a.maxn = 0;
  a.thread = 1;  // several threads train Hogwild-style: not reproducible
  a.seed = o.seed;
  a.verbose = 0;
  return a;
}

}  // namespace

FastTextClassifier::FastTextClassifier(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FastTextClassifier::FastTextClassifier(FastTextClassifier&&) noexcept = default;
FastTextClassifier& FastTextClassifier::operator=(FastTextClassifier&&) noexcept = default;
FastTextClassifier::~FastTextClassifier() = default;

FastTextClassifier FastTextClassifier::fit(const std::vector<std::string>& texts,
                                           const std::vector<std::string>& labels, const FastTextOptions& options) {
  if (texts.size() != labels.size())
    throw Error("fastText: " + std::to_string(texts.size()) + " texts but " + std::to_string(labels.size()) + " labels");
  std::map<std::string, std::size_t> counts;
  for (const auto& l : labels) ++counts[l];
  if (counts.size() < 2) throw Error("fastText: training needs at least two distinct labels");

  auto impl = std::make_unique<Impl>();
  for (const auto& [label, n] : counts) impl->classes.push_back(label);
  impl->fallback = std::max_element(counts.begin(), counts.end(), [](const auto& a, const auto& b) {
                     return a.second < b.second;
                   })->first;

  // Labels become class indices, so any label text (spaces included) survives fastText's parsing.
  TempFile file;
  {
    std::ofstream out(file.path(), std::ios::binary);
    for (std::size_t i = 0; i < texts.size(); ++i) {
      const auto idx = std::lower_bound(impl->classes.begin(), impl->classes.end(), labels[i]) - impl->classes.begin();
      out << "__label__" << idx << ' ' << clean(texts[i]) << '\n';
    }
    if (!out) throw Error("fastText: cannot write the temporary training file " + file.path());
  }
  try {
    impl->model.train(training_args(options, file.path()));
  } catch (const std::invalid_argument& e) {
    throw Error(std::string("fastText: ") + e.what());
  }
  return FastTextClassifier(std::move(impl));
}

std::vector<std::string> FastTextClassifier::predict(const std::vector<std::string>& texts) const {
  std::string all;
  for (const auto& t : texts) all += clean(t) + '\n';
  std::istringstream in(all);
  std::vector<std::string> out;
  out.reserve(texts.size());
  std::vector<std::pair<fasttext::real, std::string>> top;
  while (out.size() < texts.size() && impl_->model.predictLine(in, top, 1, 0.0)) {
    if (top.empty()) {
      out.push_back(impl_->fallback);
      continue;
    }
    const std::string& label = top.front().second;  // "__label__<index>"
    const auto idx = static_cast<std::size_t>(std::stoul(label.substr(label.rfind('_') + 1)));
    out.push_back(impl_->classes.at(idx));
  }
  if (out.size() != texts.size()) throw std::logic_error("fastText returned fewer predictions than texts");
  return out;
}

const std::vector<std::string>& FastTextClassifier::classes() const { return impl_->classes; }

}  // namespace mop::eval
