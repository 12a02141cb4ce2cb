// report.html must render: headless Chromium (Debian's chromium, installed by scripts/setup.sh)
// takes a screenshot, and the picture must not be blank and must show both sets' colours.
#include <gtest/gtest.h>

#include <filesystem>

#include "e2e/png_image.h"
#include "support/paths.h"
#include "support/shared_data.h"

using mop::test::RgbImage;

namespace {

// Not blank: many colours, and no single colour (the background) covering nearly everything.
bool looks_blank(const RgbImage& image) {
  const auto s = mop::test::pixel_stats(image);
  return s.distinct_colours < 16 || s.background_share > 0.99;
}

RgbImage filled(int w, int h, std::uint8_t r, std::uint8_t g, std::uint8_t b) {
  RgbImage img{w, h, {}};
  for (int i = 0; i < w * h; ++i) img.rgb.insert(img.rgb.end(), {r, g, b});
  return img;
}

}  // namespace

TEST(PngCheck, OneColourImageIsBlankAndSurvivesARoundTrip) {
  const RgbImage white = filled(64, 48, 255, 255, 255);
  const RgbImage back = mop::test::decode_png(mop::test::encode_png(white));
  EXPECT_EQ(back.width, 64);
  EXPECT_EQ(back.height, 48);
  EXPECT_EQ(back.rgb, white.rgb);
  EXPECT_TRUE(looks_blank(back));
}

TEST(PngCheck, VariedImageIsNotBlank) {
  RgbImage img = filled(64, 64, 255, 255, 255);
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 32; ++x) {
      auto* p = &img.rgb[static_cast<std::size_t>(y * 64 + x) * 3];
      p[0] = static_cast<std::uint8_t>(4 * x), p[1] = static_cast<std::uint8_t>(4 * y), p[2] = 0x7f;
    }
  const RgbImage back = mop::test::decode_png(mop::test::encode_png(img));
  EXPECT_EQ(back.rgb, img.rgb);
  EXPECT_FALSE(looks_blank(back));
  EXPECT_EQ(mop::test::count_colour(back, 0x00007f, 0), 1u);  // (x, y) = (0, 0)
}

TEST(PngCheck, CorruptDataIsRejected) {
  std::string png = mop::test::encode_png(filled(8, 8, 1, 2, 3));
  png[png.size() / 2] ^= 0x55;
  EXPECT_THROW(mop::test::decode_png(png), std::runtime_error);
  EXPECT_THROW(mop::test::decode_png("not a png"), std::runtime_error);
}

TEST(EvalReport, RendersInHeadlessChromium) {
  std::string found;
  ASSERT_EQ(mop::test::run_command("command -v chromium", &found), 0)
      << "chromium is needed for this test: run scripts/setup.sh (Debian package chromium)";
  mop::test::TempDir dir;
  mop::test::write_slice("sst2/test.jsonl", 0, 120, dir.file("golden.jsonl"));
  mop::test::write_slice("sst2/test.jsonl", 120, 120, dir.file("near.jsonl"));
  mop::test::write_slice("yelp/test.jsonl", 0, 120, dir.file("far.jsonl"));
  std::string err;
  ASSERT_EQ(mop::test::run_command(mop::test::cli_path() + " eval --golden " + dir.file("golden.jsonl") +
                                       " --synthetic " + dir.file("near.jsonl") + " --synthetic " +
                                       dir.file("far.jsonl") + " --out " + dir.file("out"),
                                   nullptr, &err), 0) << err;

  // The page Chromium draws holds the checks and the minority view (with its share bars).
  const std::string html = mop::test::read_file(dir.file("out/report.html"));
  EXPECT_NE(html.find("<h2>Checks</h2>"), std::string::npos);
  EXPECT_NE(html.find("<h2>Who is missing</h2><h3>near.jsonl, by k-means"), std::string::npos);
  EXPECT_NE(html.find("<h3>far.jsonl, by label</h3>"), std::string::npos);
  EXPECT_NE(html.find("px;background:#ff7f0e\"></div>"), std::string::npos);

  // A fresh profile and no network-facing services, bounded in time.
  const std::string png = dir.file("shot.png");
  const std::string cmd = "timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
                          "--disable-background-networking --disable-component-update --disable-sync "
                          "--user-data-dir=" + dir.file("profile") + " --screenshot=" + png +
                          " --window-size=1200,2000 file://" + dir.file("out/report.html");
  ASSERT_EQ(mop::test::run_command(cmd, nullptr, &err), 0) << err;
  ASSERT_TRUE(std::filesystem::exists(png)) << err;
  const RgbImage shot = mop::test::decode_png(mop::test::read_file(png));
  EXPECT_EQ(shot.width, 1200);
  EXPECT_EQ(shot.height, 2000);
  EXPECT_FALSE(looks_blank(shot));
  // The legend swatches are solid: both set colours must be on screen, so the SVGs were drawn.
  EXPECT_GT(mop::test::count_colour(shot, 0x1f77b4), 100u);
  EXPECT_GT(mop::test::count_colour(shot, 0xff7f0e), 100u);
}
