// fastText's supervised classifier through libfasttext: it learns words that give the label away,
// is reproducible, keeps any label text, and refuses what it cannot train on.
#include <gtest/gtest.h>

#include "eval/fasttext_classifier.h"
#include "mop/error.h"

using mop::eval::FastTextClassifier;

namespace {

void make_corpus(std::vector<std::string>& texts, std::vector<std::string>& labels) {
  const std::vector<std::string> fillers = {"the", "a", "this", "that", "one", "my", "our", "their"};
  for (int i = 0; i < 120; ++i) {
    const std::string& f = fillers[static_cast<std::size_t>(i) % fillers.size()];
    if (i % 3 == 0) texts.push_back(f + " film was wonderful and lovely"), labels.push_back("good review");
    else if (i % 3 == 1) texts.push_back(f + " film was awful and boring"), labels.push_back("bad review");
    else texts.push_back(f + " match ended with a late goal"), labels.push_back("sport\tnews");
  }
}

}  // namespace

TEST(FastTextClassifier, LearnsGiveawayWordsAndKeepsLabelText) {
  std::vector<std::string> texts, labels;
  make_corpus(texts, labels);
  const auto model = FastTextClassifier::fit(texts, labels);
  EXPECT_EQ(model.classes(), (std::vector<std::string>{"bad review", "good review", "sport\tnews"}));
  const auto predicted = model.predict({"What a WONDERFUL, lovely film", "so boring\nand awful", "a late goal",
                                        "zzz unknown words only"});
  ASSERT_EQ(predicted.size(), 4u);
  EXPECT_EQ(predicted[0], "good review");
  EXPECT_EQ(predicted[1], "bad review");
  EXPECT_EQ(predicted[2], "sport\tnews");
  EXPECT_EQ(model.predict(texts), labels);  // the training data itself
}

TEST(FastTextClassifier, SameDataSameSeedSamePredictions) {
  std::vector<std::string> texts, labels;
  make_corpus(texts, labels);
  const std::vector<std::string> probe = {"lovely goal", "awful match", "film", "boring wonderful film"};
  mop::eval::FastTextOptions o;
  o.epochs = 3;  // undertrained, so the predictions depend on the random start
  EXPECT_EQ(FastTextClassifier::fit(texts, labels, o).predict(probe), FastTextClassifier::fit(texts, labels, o).predict(probe));
}

TEST(FastTextClassifier, RefusesWhatItCannotTrainOn) {
  EXPECT_THROW(FastTextClassifier::fit({"a", "b"}, {"x", "x"}), mop::Error);
  EXPECT_THROW(FastTextClassifier::fit({"a", "b"}, {"x"}), mop::Error);
  mop::eval::FastTextOptions bad;
  bad.epochs = 0;
  EXPECT_THROW(FastTextClassifier::fit({"a", "b"}, {"x", "y"}, bad), mop::Error);
}
