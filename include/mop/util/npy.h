#pragma once
// NumPy .npy files for float32 matrices (embeddings, features), readable with numpy.load.
// Writes format 1.0, dtype '<f4', C order, shape (rows, cols), atomically.
// Reads formats 1.0-3.0 with dtype '<f4' or '<f8' (converted to float), C order, 2-D.
#include <Eigen/Dense>
#include <filesystem>

namespace mop::util {

using NpyMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Throws mop::Error if a value is NaN or infinite (naming its row) or the file cannot be written.
void write_npy(const std::filesystem::path& path, const NpyMatrix& m);

// Throws mop::Error naming the file and the problem: bad magic, unsupported version, dtype or
// shape, Fortran order, truncated or oversized data, or a NaN/infinite value (with its row).
NpyMatrix read_npy(const std::filesystem::path& path);

}  // namespace mop::util
