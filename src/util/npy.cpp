#include "mop/util/npy.h"

#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "mop/error.h"
#include "mop/util/atomic_file.h"

namespace mop::util {

static_assert(std::endian::native == std::endian::little, ".npy data is read and written as little-endian");

namespace {

constexpr char kMagic[] = "\x93NUMPY";  // 6 bytes

// The first row holding a NaN or infinity, if any. Walks the values, not the rows: a header may
// claim 10^15 rows of 0 columns, and a loop over rows would then hang.
template <typename Row>
std::optional<Eigen::Index> first_bad_row(const Row* data, Eigen::Index rows, Eigen::Index cols) {
  const Eigen::Index n = rows * cols;
  for (Eigen::Index i = 0; i < n; ++i) {
    if (!std::isfinite(data[i])) return i / cols;
  }
  return std::nullopt;
}

// Value of `key` in the header dict, as the raw text up to the next top-level comma or brace.
std::optional<std::string> dict_value(const std::string& dict, const std::string& key) {
  for (const char q : {'\'', '"'}) {
    const std::string quoted = std::string(1, q) + key + q;
    auto at = dict.find(quoted);
    if (at == std::string::npos) continue;
    at = dict.find(':', at + quoted.size());
    if (at == std::string::npos) return std::nullopt;
    std::size_t end = at + 1;
    int depth = 0;
    for (; end < dict.size(); ++end) {
      const char c = dict[end];
      if (c == '(') ++depth;
      if (c == ')') --depth;
      if (depth <= 0 && (c == ',' || c == '}' || depth < 0)) break;
    }
    std::string v = dict.substr(at + 1, end - at - 1);
    const auto first = v.find_first_not_of(" \t");
    const auto last = v.find_last_not_of(" \t");
    return first == std::string::npos ? std::string() : v.substr(first, last - first + 1);
  }
  return std::nullopt;
}

}  // namespace

void write_npy(const std::filesystem::path& path, const NpyMatrix& m) {
  if (auto r = first_bad_row(m.data(), m.rows(), m.cols())) {
    throw Error("cannot write " + path.string() + ": row " + std::to_string(*r) + " has a NaN or infinite value");
  }
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(m.rows()) + ", " +
                     std::to_string(m.cols()) + "), }";
  // Magic (6) + version (2) + length (2) + dict + '\n' is padded to a multiple of 64, as NumPy does.
  const std::size_t unpadded = 10 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  std::string header(kMagic, 6);
  header += '\x01';
  header += '\x00';
  header += static_cast<char>(dict.size() & 0xff);
  header += static_cast<char>(dict.size() >> 8);
  header += dict;
  write_file_atomic(path, [&](std::ostream& out) {
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    out.write(reinterpret_cast<const char*>(m.data()), static_cast<std::streamsize>(sizeof(float) * m.size()));
  });
}

NpyMatrix read_npy(const std::filesystem::path& path) {
  const auto bad = [&](const std::string& why) { return Error(path.string() + ": " + why); };
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path.string() + ": " + std::strerror(errno));
  std::error_code ec;
  const std::uint64_t file_size = std::filesystem::file_size(path, ec);
  if (ec) throw Error("cannot read " + path.string() + ": " + ec.message());

  unsigned char pre[8] = {};
  in.read(reinterpret_cast<char*>(pre), 8);
  if (in.gcount() < 8 || std::memcmp(pre, kMagic, 6) != 0) throw bad("not a .npy file (bad magic)");
  const int major = pre[6];
  if (major < 1 || major > 3) throw bad("unsupported .npy format version " + std::to_string(major) + "." + std::to_string(pre[7]));
  const int len_bytes = major == 1 ? 2 : 4;
  unsigned char len_buf[4] = {};
  in.read(reinterpret_cast<char*>(len_buf), len_bytes);
  if (in.gcount() < len_bytes) throw bad("truncated header");
  std::uint64_t header_len = 0;
  for (int i = len_bytes - 1; i >= 0; --i) header_len = (header_len << 8) | len_buf[i];
  const std::uint64_t data_pos = 8 + static_cast<std::uint64_t>(len_bytes) + header_len;
  if (data_pos > file_size) throw bad("truncated header");
  std::string dict(header_len, '\0');
  in.read(dict.data(), static_cast<std::streamsize>(header_len));

  const auto descr = dict_value(dict, "descr");
  const auto fortran = dict_value(dict, "fortran_order");
  const auto shape = dict_value(dict, "shape");
  if (!descr || !fortran || !shape) throw bad("header lacks descr, fortran_order or shape");
  std::size_t item = 0;
  if (*descr == "'<f4'" || *descr == "\"<f4\"") {
    item = 4;
  } else if (*descr == "'<f8'" || *descr == "\"<f8\"") {
    item = 8;
  } else {
    throw bad("dtype " + *descr + " is not supported; expected little-endian float32 ('<f4') or float64 ('<f8')");
  }
  if (*fortran == "True") throw bad("Fortran-ordered arrays are not supported; save with numpy.ascontiguousarray");
  if (*fortran != "False") throw bad("bad fortran_order " + *fortran);

  // shape: "(rows, cols)" with an optional trailing comma; anything else is refused.
  std::vector<std::uint64_t> dims;
  if (shape->size() < 2 || shape->front() != '(' || shape->back() != ')') throw bad("bad shape " + *shape);
  {
    std::string inner = shape->substr(1, shape->size() - 2);
    std::size_t at = 0;
    while (at < inner.size()) {
      const std::size_t comma = inner.find(',', at);
      std::string part = inner.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
      const auto first = part.find_first_not_of(' ');
      if (first != std::string::npos) {
        part = part.substr(first, part.find_last_not_of(' ') - first + 1);
        if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos || part.size() > 15) {
          throw bad("bad shape " + *shape);
        }
        dims.push_back(std::stoull(part));
      }
      if (comma == std::string::npos) break;
      at = comma + 1;
    }
  }
  if (dims.size() != 2) throw bad("expected a 2-D array (rows, columns), got shape " + *shape);
  if (dims[1] != 0 && dims[0] > (std::uint64_t(1) << 40) / dims[1]) throw bad("shape " + *shape + " is too large");
  const std::uint64_t expected = dims[0] * dims[1] * item;
  if (file_size - data_pos < expected) {
    throw bad("truncated: shape " + *shape + " needs " + std::to_string(expected) + " bytes of data, the file has " +
              std::to_string(file_size - data_pos));
  }
  if (file_size - data_pos > expected) {
    throw bad(std::to_string(file_size - data_pos - expected) + " unexpected bytes after the data of shape " + *shape);
  }

  NpyMatrix m(static_cast<Eigen::Index>(dims[0]), static_cast<Eigen::Index>(dims[1]));
  if (item == 4) {
    in.read(reinterpret_cast<char*>(m.data()), static_cast<std::streamsize>(expected));
  } else {
    std::vector<double> tmp(dims[0] * dims[1]);
    in.read(reinterpret_cast<char*>(tmp.data()), static_cast<std::streamsize>(expected));
    if (auto r = first_bad_row(tmp.data(), m.rows(), m.cols())) throw bad("row " + std::to_string(*r) + " has a NaN or infinite value");
    for (std::size_t i = 0; i < tmp.size(); ++i) m.data()[i] = static_cast<float>(tmp[i]);
  }
  if (!in) throw bad("read failed");
  if (auto r = first_bad_row(m.data(), m.rows(), m.cols())) {
    throw bad("row " + std::to_string(*r) + " has a NaN or infinite value");
  }
  return m;
}

}  // namespace mop::util
