// PNG decoding with zlib: chunks, IDAT inflate, per-row unfiltering (PNG spec section 9).
#include "e2e/png_image.h"

#include <zlib.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <unordered_map>

namespace mop::test {

namespace {

const std::string kSignature = "\x89PNG\r\n\x1a\n";

std::uint32_t be32(const std::string& s, std::size_t at) {
  if (at + 4 > s.size()) throw std::runtime_error("PNG: truncated");
  auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + i])); };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

void put32(std::string& s, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((v >> shift) & 0xff);
}

int paeth(int a, int b, int c) {
  const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  return (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
}

void append_chunk(std::string& png, const std::string& type, const std::string& data) {
  put32(png, static_cast<std::uint32_t>(data.size()));
  const std::string body = type + data;
  png += body;
  put32(png, static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()))));
}

}  // namespace

RgbImage decode_png(const std::string& bytes) {
  if (bytes.compare(0, kSignature.size(), kSignature) != 0) throw std::runtime_error("PNG: bad signature");
  RgbImage img;
  int colour_type = -1;
  std::string idat;
  for (std::size_t at = kSignature.size(); at < bytes.size();) {
    const std::uint32_t len = be32(bytes, at);
    if (at + 12 + len > bytes.size()) throw std::runtime_error("PNG: truncated chunk");
    const std::string type = bytes.substr(at + 4, 4), data = bytes.substr(at + 8, len);
    const std::string body = bytes.substr(at + 4, 4 + len);
    if (crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size())) != be32(bytes, at + 8 + len))
      throw std::runtime_error("PNG: CRC mismatch in " + type);
    if (type == "IHDR") {
      img.width = static_cast<int>(be32(data, 0));
      img.height = static_cast<int>(be32(data, 4));
      colour_type = static_cast<unsigned char>(data[9]);
      if (data[8] != 8) throw std::runtime_error("PNG: only 8-bit channels are read");
      if (data[12] != 0) throw std::runtime_error("PNG: interlaced images are not read");
    } else if (type == "IDAT") {
      idat += data;
    } else if (type == "IEND") {
      break;
    }
    at += 12 + len;
  }
  int channels = 0;
  switch (colour_type) {
    case 0: channels = 1; break;
    case 2: channels = 3; break;
    case 4: channels = 2; break;
    case 6: channels = 4; break;
    default: throw std::runtime_error("PNG: colour type " + std::to_string(colour_type) + " is not read");
  }
  const std::size_t stride = static_cast<std::size_t>(img.width) * channels;
  std::string raw((stride + 1) * static_cast<std::size_t>(img.height), '\0');
  uLongf raw_len = raw.size();
  if (uncompress(reinterpret_cast<Bytef*>(raw.data()), &raw_len, reinterpret_cast<const Bytef*>(idat.data()),
                 idat.size()) != Z_OK || raw_len != raw.size())
    throw std::runtime_error("PNG: image data does not inflate to the expected size");

  std::vector<std::uint8_t> prev(stride, 0), cur(stride);
  img.rgb.resize(static_cast<std::size_t>(img.width) * img.height * 3);
  for (int y = 0; y < img.height; ++y) {
    const std::size_t row = static_cast<std::size_t>(y) * (stride + 1);
    const int filter = static_cast<unsigned char>(raw[row]);
    for (std::size_t i = 0; i < stride; ++i) {
      const int x = static_cast<unsigned char>(raw[row + 1 + i]);
      const int a = i >= static_cast<std::size_t>(channels) ? cur[i - channels] : 0;
      const int b = prev[i];
      const int c = i >= static_cast<std::size_t>(channels) ? prev[i - channels] : 0;
      int v = 0;
      switch (filter) {
        case 0: v = x; break;
        case 1: v = x + a; break;
        case 2: v = x + b; break;
        case 3: v = x + (a + b) / 2; break;
        case 4: v = x + paeth(a, b, c); break;
        default: throw std::runtime_error("PNG: bad filter type " + std::to_string(filter));
      }
      cur[i] = static_cast<std::uint8_t>(v & 0xff);
    }
    for (int x = 0; x < img.width; ++x) {
      const std::uint8_t* p = &cur[static_cast<std::size_t>(x) * channels];
      std::uint8_t* out = &img.rgb[(static_cast<std::size_t>(y) * img.width + x) * 3];
      const bool grey = channels <= 2;
      out[0] = p[0];
      out[1] = grey ? p[0] : p[1];
      out[2] = grey ? p[0] : p[2];
    }
    prev.swap(cur);
  }
  return img;
}

std::string encode_png(const RgbImage& image) {
  std::string raw;
  const std::size_t stride = static_cast<std::size_t>(image.width) * 3;
  for (int y = 0; y < image.height; ++y) {
    raw += '\0';
    raw.append(reinterpret_cast<const char*>(&image.rgb[static_cast<std::size_t>(y) * stride]), stride);
  }
  std::string packed(compressBound(raw.size()), '\0');
  uLongf packed_len = packed.size();
  if (compress(reinterpret_cast<Bytef*>(packed.data()), &packed_len, reinterpret_cast<const Bytef*>(raw.data()),
               raw.size()) != Z_OK)
    throw std::runtime_error("PNG: compression failed");
  packed.resize(packed_len);
  std::string ihdr;
  put32(ihdr, static_cast<std::uint32_t>(image.width));
  put32(ihdr, static_cast<std::uint32_t>(image.height));
  ihdr += std::string("\x08\x02\x00\x00\x00", 5);  // 8-bit RGB, deflate, filter set 0, no interlace
  std::string png = kSignature;
  append_chunk(png, "IHDR", ihdr);
  append_chunk(png, "IDAT", packed);
  append_chunk(png, "IEND", "");
  return png;
}

PixelStats pixel_stats(const RgbImage& image) {
  std::unordered_map<std::uint32_t, std::size_t> counts;
  const std::size_t n = image.rgb.size() / 3;
  for (std::size_t i = 0; i < n; ++i)
    ++counts[static_cast<std::uint32_t>(image.rgb[3 * i]) << 16 | image.rgb[3 * i + 1] << 8 | image.rgb[3 * i + 2]];
  std::size_t most = 0;
  for (const auto& [colour, count] : counts) most = std::max(most, count);
  return {counts.size(), n == 0 ? 1.0 : static_cast<double>(most) / static_cast<double>(n)};
}

std::size_t count_colour(const RgbImage& image, std::uint32_t rrggbb, int tolerance) {
  const int want[3] = {static_cast<int>(rrggbb >> 16 & 0xff), static_cast<int>(rrggbb >> 8 & 0xff),
                       static_cast<int>(rrggbb & 0xff)};
  std::size_t hits = 0;
  for (std::size_t i = 0; i + 2 < image.rgb.size(); i += 3) {
    bool close = true;
    for (int c = 0; c < 3; ++c) close = close && std::abs(image.rgb[i + c] - want[c]) <= tolerance;
    hits += close;
  }
  return hits;
}

}  // namespace mop::test
