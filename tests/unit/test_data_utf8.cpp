#include <gtest/gtest.h>

#include <random>
#include <string>

#include "data/utf8.h"

namespace utf8 = mop::data::utf8;

namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s += static_cast<char>(c);
  return s;
}

// Reference for one multi-byte sequence, straight from the definition: the bytes decode to a
// scalar value (no surrogate, at most U+10FFFF) whose shortest encoding has exactly this length.
bool reference_valid(const std::string& s) {
  const auto b0 = static_cast<unsigned char>(s[0]);
  std::size_t len = (b0 & 0xE0) == 0xC0 ? 2 : (b0 & 0xF0) == 0xE0 ? 3 : (b0 & 0xF8) == 0xF0 ? 4 : 0;
  if (len != s.size()) return false;
  char32_t cp = b0 & (0x7F >> len);
  for (std::size_t i = 1; i < len; ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if ((b & 0xC0) != 0x80) return false;
    cp = (cp << 6) | (b & 0x3F);
  }
  const std::size_t shortest = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  return shortest == len && !(cp >= 0xD800 && cp <= 0xDFFF) && cp <= 0x10FFFF;
}

}  // namespace

TEST(DataUtf8, AcceptsValidText) {
  EXPECT_TRUE(utf8::is_valid(""));
  EXPECT_TRUE(utf8::is_valid("plain ASCII, long enough to use the eight-byte path"));
  EXPECT_TRUE(utf8::is_valid("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));  // é € 😀
  EXPECT_TRUE(utf8::is_valid(bytes({0xED, 0x9F, 0xBF})));         // U+D7FF, just below surrogates
  EXPECT_TRUE(utf8::is_valid(bytes({0xEE, 0x80, 0x80})));         // U+E000, just above
  EXPECT_TRUE(utf8::is_valid(bytes({0xEF, 0xBF, 0xBF})));         // U+FFFF
  EXPECT_TRUE(utf8::is_valid(bytes({0xF4, 0x8F, 0xBF, 0xBF})));   // U+10FFFF
}

TEST(DataUtf8, RejectsOverlongsSurrogatesAndOutOfRange) {
  EXPECT_EQ(utf8::find_invalid(bytes({0xC0, 0x80})), 0u);              // overlong NUL
  EXPECT_EQ(utf8::find_invalid(bytes({0xC1, 0xBF})), 0u);              // overlong U+007F
  EXPECT_EQ(utf8::find_invalid(bytes({0xE0, 0x9F, 0xBF})), 0u);        // overlong U+07FF
  EXPECT_EQ(utf8::find_invalid(bytes({0xF0, 0x8F, 0xBF, 0xBF})), 0u);  // overlong U+FFFF
  EXPECT_EQ(utf8::find_invalid(bytes({0xED, 0xA0, 0x80})), 0u);        // U+D800
  EXPECT_EQ(utf8::find_invalid(bytes({0xED, 0xBF, 0xBF})), 0u);        // U+DFFF
  EXPECT_EQ(utf8::find_invalid(bytes({0xF4, 0x90, 0x80, 0x80})), 0u);  // U+110000
  EXPECT_EQ(utf8::find_invalid(bytes({0xF5, 0x80, 0x80, 0x80})), 0u);
  EXPECT_EQ(utf8::find_invalid(bytes({0xFF})), 0u);
}

TEST(DataUtf8, ReportsOffsetOfFirstBadSequence) {
  EXPECT_EQ(utf8::find_invalid("abc\x80"), 3u);                          // stray continuation
  EXPECT_EQ(utf8::find_invalid("abcdefghij\xE2\x82"), 10u);              // truncated at the end
  EXPECT_EQ(utf8::find_invalid("\xC3\xA9x\xE2\x82y"), 3u);               // truncated mid-text
  EXPECT_EQ(utf8::find_invalid("0123456789abcdef\xC3("), 16u);           // lead then ASCII
  EXPECT_EQ(utf8::find_invalid("ok \xF0\x9F\x98\x80 then \xED\xA0\x80"), 13u);
}

TEST(DataUtf8, EveryCodePointRoundTrips) {
  for (char32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    std::string s;
    utf8::append(s, cp);
    ASSERT_TRUE(utf8::is_valid(s)) << std::hex << static_cast<unsigned>(cp);
    std::size_t pos = 0;
    char32_t back = 0;
    ASSERT_TRUE(utf8::next(s, pos, back));
    ASSERT_EQ(back, cp);
    ASSERT_EQ(pos, s.size());
  }
}

TEST(DataUtf8, AllTwoAndThreeByteSequencesMatchReference) {
  for (int a = 0xC0; a <= 0xFF; ++a) {
    for (int b = 0; b <= 0xFF; ++b) {
      const std::string s2 = bytes({a, b});
      ASSERT_EQ(utf8::is_valid(s2), reference_valid(s2)) << a << ' ' << b;
      if (a < 0xE0 || a > 0xEF) continue;
      for (int c = 0x80; c <= 0xFF; ++c) {
        const std::string s3 = bytes({a, b, c});
        ASSERT_EQ(utf8::is_valid(s3), reference_valid(s3)) << a << ' ' << b << ' ' << c;
      }
    }
  }
}

TEST(DataUtf8, RandomFourByteSequencesMatchReference) {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> lead(0xF0, 0xF7), cont(0x70, 0xC4);
  for (int i = 0; i < 200000; ++i) {
    const std::string s = bytes({lead(rng), cont(rng), cont(rng), cont(rng)});
    ASSERT_EQ(utf8::is_valid(s), reference_valid(s)) << i;
  }
}

TEST(DataUtf8, NextSkipsOneBadByte) {
  const std::string s = "a\xFF" "b";
  std::size_t pos = 1;
  char32_t cp = 0;
  EXPECT_FALSE(utf8::next(s, pos, cp));
  EXPECT_EQ(pos, 2u);
  EXPECT_TRUE(utf8::next(s, pos, cp));
  EXPECT_EQ(cp, U'b');
}
