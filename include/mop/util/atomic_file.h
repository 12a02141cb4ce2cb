#pragma once
// Outputs are never half-written: content goes to a temporary file beside the target, is flushed
// to disk, then renamed over the target in one step.
#include <filesystem>
#include <functional>
#include <ostream>
#include <string_view>

namespace mop::util {

// Writes `content` to `path` atomically. Throws mop::Error naming the path on failure.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

// Streams into a temporary file through `writer`, then renames it to `path`.
// If `writer` throws, the temporary file is removed and `path` is left as it was.
void write_file_atomic(const std::filesystem::path& path, const std::function<void(std::ostream&)>& writer);

}  // namespace mop::util
