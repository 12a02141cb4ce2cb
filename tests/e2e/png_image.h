#pragma once
// A minimal PNG reader and writer for tests that check screenshots: 8-bit, non-interlaced,
// greyscale / RGB with or without alpha, read into RGB (alpha dropped).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mop::test {

struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgb;  // width * height * 3, row by row
};

// Throws std::runtime_error on anything it does not read (bad signature, CRC, 16-bit, palette,
// interlacing, truncated data).
RgbImage decode_png(const std::string& bytes);
// RGB, filter type 0 per row.
std::string encode_png(const RgbImage& image);

struct PixelStats {
  std::size_t distinct_colours = 0;
  double background_share = 0;  // share of pixels with the most common colour
};
PixelStats pixel_stats(const RgbImage& image);
// Pixels within `tolerance` per channel of the colour #rrggbb.
std::size_t count_colour(const RgbImage& image, std::uint32_t rrggbb, int tolerance = 3);

}  // namespace mop::test
