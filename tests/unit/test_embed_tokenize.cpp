// GloVe tokenisation: PTB-style splits, normalisation, and the vocabulary fallbacks.
#include <gtest/gtest.h>

#include <map>

#include "embed/glove_tokenize.h"

namespace {

using mop::embed::detail::glove_tokenize;
using mop::embed::detail::lookup_tokens;
using Tokens = std::vector<std::string>;

TEST(EmbedTokenize, SplitsCliticsLikePtb) {
  EXPECT_EQ(glove_tokenize("Don't"), (Tokens{"do", "n't"}));
  EXPECT_EQ(glove_tokenize("can't won't isn't"), (Tokens{"ca", "n't", "wo", "n't", "is", "n't"}));
  EXPECT_EQ(glove_tokenize("It's they're I'm we'll you've he'd"),
            (Tokens{"it", "'s", "they", "'re", "i", "'m", "we", "'ll", "you", "'ve", "he", "'d"}));
  EXPECT_EQ(glove_tokenize("O'Neill"), (Tokens{"o'neill"}));
  // Already PTB-tokenised text (SST-2) keeps its tokens.
  EXPECT_EQ(glove_tokenize("moore 's ditties does n't"), (Tokens{"moore", "'s", "ditties", "does", "n't"}));
  EXPECT_EQ(glove_tokenize("'sup 'quoted'"), (Tokens{"'", "sup", "'", "quoted", "'"}));
}

TEST(EmbedTokenize, PunctuationAbbreviationsAndNumbers) {
  EXPECT_EQ(glove_tokenize("Hello, world!"), (Tokens{"hello", ",", "world", "!"}));
  EXPECT_EQ(glove_tokenize("U.S. troops, e.g., at 7 a.m."),
            (Tokens{"u.s.", "troops", ",", "e.g.", ",", "at", "7", "a.m."}));
  EXPECT_EQ(glove_tokenize("$1,000 and 3.5%"), (Tokens{"$", "1,000", "and", "3.5", "%"}));
  EXPECT_EQ(glove_tokenize("e-mail semi-arid"), (Tokens{"e-mail", "semi-arid"}));
  EXPECT_EQ(glove_tokenize("Wait... what--no"), (Tokens{"wait", "...", "what", "--", "no"}));
  EXPECT_EQ(glove_tokenize("the players' union"), (Tokens{"the", "players", "'", "union"}));
  EXPECT_EQ(glove_tokenize("end.Then (ok)"), (Tokens{"end", ".", "then", "(", "ok", ")"}));
  EXPECT_EQ(glove_tokenize("Mr. Smith"), (Tokens{"mr", ".", "smith"}));
  EXPECT_TRUE(glove_tokenize("").empty());
  EXPECT_TRUE(glove_tokenize(" \t\n ").empty());
}

TEST(EmbedTokenize, NormalisesUnicodeAndEntities) {
  EXPECT_EQ(glove_tokenize("Café naïve ÉCOLE Straße"), (Tokens{"cafe", "naive", "ecole", "strasse"}));
  EXPECT_EQ(glove_tokenize("don’t “quote” — fine"), (Tokens{"do", "n't", "\"", "quote", "\"", "-", "fine"}));
  EXPECT_EQ(glove_tokenize("China #39;s biggest"), (Tokens{"china", "'s", "biggest"}));
  EXPECT_EQ(glove_tokenize("AT&amp;T &quot;hi&quot; it&#39;s"), (Tokens{"at", "&", "t", "\"", "hi", "\"", "it", "'s"}));
  EXPECT_EQ(glove_tokenize("5€ and 3…"), (Tokens{"5", "€", "and", "3", "…"}));
  EXPECT_EQ(glove_tokenize("東京 tower"), (Tokens{"東京", "tower"}));
  EXPECT_EQ(glove_tokenize("a\u00a0b"), (Tokens{"a", "b"}));
  EXPECT_EQ(glove_tokenize("ab\xff" "cd"), (Tokens{"ab", "cd"}));  // invalid UTF-8 separates
  EXPECT_EQ(glove_tokenize("#1 pick"), (Tokens{"#", "1", "pick"}));
}

TEST(EmbedTokenize, LookupSkipsUnknownAndSplitsCompounds) {
  const std::map<std::string, std::uint32_t, std::less<>> vocab = {
      {"semi", 0}, {"arid", 1}, {"neill", 2}, {"do", 3}, {"e-mail", 4}, {"n", 5}, {"t", 6}, {"like", 7}};
  const auto find = [&](std::string_view w) -> std::optional<std::uint32_t> {
    const auto it = vocab.find(w);
    return it == vocab.end() ? std::nullopt : std::optional<std::uint32_t>(it->second);
  };
  EXPECT_EQ(lookup_tokens("Semi-arid O'Neill e-mail", find), (std::vector<std::uint32_t>{0, 1, 2, 4}));
  // "n't" is a clitic, not a compound: it must not turn into "n" and "t".
  EXPECT_EQ(lookup_tokens("I don't like zzz", find), (std::vector<std::uint32_t>{3, 7}));
  EXPECT_TRUE(lookup_tokens("qqq 123 !!", find).empty());
}

}  // namespace
