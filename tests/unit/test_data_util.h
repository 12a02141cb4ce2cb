#pragma once
// Helpers for the data-layer tests: a scratch directory that cleans up after itself, and a way to
// get the message of the mop::Error that loading bad input must throw.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "mop/dataset.h"
#include "mop/error.h"
#include "support/paths.h"

namespace mop::data::testing {

// The shared scratch directory, plus a way to write a fixture file into it.
class TempDir : public mop::test::TempDir {
 public:
  // Writes `content` byte for byte to a file under the directory and returns its full path.
  std::filesystem::path write(const std::string& name, std::string_view content) const {
    const auto p = path() / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    return p;
  }
};

// The message of the mop::Error that load() throws, or a marker that none was thrown.
inline std::string load_error(const std::filesystem::path& path, const LoadOptions& options = {}) {
  try {
    load(path, options);
  } catch (const mop::Error& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace mop::data::testing
