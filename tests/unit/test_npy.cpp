// .npy files: round trips, the header NumPy expects, and clear errors for bad files.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "mop/error.h"
#include "mop/util/npy.h"
#include "support/paths.h"

namespace {

namespace fs = std::filesystem;
using mop::util::NpyMatrix;
using mop::util::read_npy;
using mop::util::write_npy;
using mop::test::TempDir;

// A version-1.0 file with the given header dict and raw data bytes, as NumPy lays it out.
std::string npy_bytes(const std::string& dict, const std::string& data) {
  std::string h = dict;
  while ((10 + h.size() + 1) % 64 != 0) h += ' ';
  h += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(h.size() & 0xff);
  out += static_cast<char>(h.size() >> 8);
  return out + h + data;
}

template <typename T>
std::string raw(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

void expect_error(const fs::path& p, const std::string& needle) {
  try {
    read_npy(p);
    FAIL() << "expected mop::Error containing '" << needle << "'";
  } catch (const mop::Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(p.string()), std::string::npos) << e.what();
  }
}

TEST(Npy, RoundTripWithNumpyHeader) {
  TempDir dir;
  NpyMatrix m(3, 4);
  for (int i = 0; i < 12; ++i) m.data()[i] = static_cast<float>(i) * -0.37f + 1e-3f * static_cast<float>(i * i);
  write_npy(dir.path() / "m.npy", m);
  EXPECT_EQ(read_npy(dir.path() / "m.npy"), m);
  const std::string bytes = mop::test::read_file((dir.path() / "m.npy").string());
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const std::size_t header = 10 + static_cast<unsigned char>(bytes[8]) + 256 * static_cast<unsigned char>(bytes[9]);
  EXPECT_EQ(header % 64, 0u);
  EXPECT_EQ(bytes[header - 1], '\n');
  EXPECT_NE(bytes.find("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }"), std::string::npos);
  EXPECT_EQ(bytes.size(), header + 48);
  EXPECT_EQ(std::memcmp(bytes.data() + header, m.data(), 48), 0);  // C order, little-endian

  const NpyMatrix empty(0, 5);
  write_npy(dir.path() / "e.npy", empty);
  const NpyMatrix back = read_npy(dir.path() / "e.npy");
  EXPECT_EQ(back.rows(), 0);
  EXPECT_EQ(back.cols(), 5);
  // Overwriting is atomic and leaves no temporary file behind.
  write_npy(dir.path() / "m.npy", m * 2);
  EXPECT_EQ(read_npy(dir.path() / "m.npy"), m * 2);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 2);
}

TEST(Npy, ReadsFloat64AndOtherHeaderSpellings) {
  TempDir dir;
  const std::string dict = "{\"descr\": \"<f8\", \"shape\": (2,2), \"fortran_order\": False}";
  mop::test::write_file((dir.path() / "d.npy").string(), npy_bytes(dict, raw(std::vector<double>{1.5, -2, 3, 4.25})));
  const NpyMatrix m = read_npy(dir.path() / "d.npy");
  ASSERT_EQ(m.rows(), 2);
  EXPECT_EQ(m(0, 0), 1.5f);
  EXPECT_EQ(m(0, 1), -2.0f);
  EXPECT_EQ(m(1, 1), 4.25f);
}

TEST(Npy, BadFilesGiveClearErrors) {
  TempDir dir;
  const auto put = [&](const std::string& name, const std::string& bytes) {
    mop::test::write_file((dir.path() / name).string(), bytes);
    return dir.path() / name;
  };
  const std::string ok_dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  const std::string six = raw(std::vector<float>{1, 2, 3, 4, 5, 6});
  expect_error(put("magic.npy", "PK\x03\x04 not numpy at all"), "bad magic");
  expect_error(put("tiny.npy", "\x93NUM"), "bad magic");
  expect_error(put("int.npy", npy_bytes("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }", six)), "dtype '<i4'");
  expect_error(put("big.npy", npy_bytes("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }", six)), "dtype '>f4'");
  expect_error(put("fortran.npy", npy_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", six)), "Fortran");
  expect_error(put("1d.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", six)), "2-D");
  expect_error(put("short.npy", npy_bytes(ok_dict, six.substr(0, 20))), "truncated");
  expect_error(put("long.npy", npy_bytes(ok_dict, six + "xx")), "unexpected bytes");
  expect_error(put("header.npy", npy_bytes(ok_dict, six).substr(0, 30)), "truncated header");
  std::string v3("\x93NUMPY\x07\x00", 8);
  expect_error(put("v7.npy", v3 + "\x10\x00" + std::string(16, ' ')), "version 7");
  std::vector<float> bad = {1, 2, 3, 4, std::numeric_limits<float>::quiet_NaN(), 6};
  expect_error(put("nan.npy", npy_bytes(ok_dict, raw(bad))), "row 1");
  expect_error(dir.path() / "absent.npy", "cannot read");
}

TEST(Npy, WriterRefusesNonFiniteValues) {
  TempDir dir;
  NpyMatrix m = NpyMatrix::Zero(4, 2);
  m(2, 1) = std::numeric_limits<float>::infinity();
  try {
    write_npy(dir.path() / "inf.npy", m);
    FAIL() << "expected mop::Error";
  } catch (const mop::Error& e) {
    EXPECT_NE(std::string(e.what()).find("row 2"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir.path() / "inf.npy"));
}

}  // namespace
