#include "mop/util/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "mop/error.h"

namespace mop::util {
namespace {

std::filesystem::path temp_path_for(const std::filesystem::path& path) {
  static std::atomic<unsigned> counter{0};
  std::ostringstream name;
  name << '.' << path.filename().string() << ".tmp." << ::getpid() << '.' << counter++;
  return path.parent_path() / name.str();
}

// False if the data could not be made durable (fsync reports delayed write errors, e.g. ENOSPC).
bool fsync_path(const std::filesystem::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  errno = saved;
  return ok;
}

// Temporary files of this target left by a killed process (its pid is gone): they are never read,
// only removed, so a run killed many times does not fill the folder.
void remove_stale_temps(const std::filesystem::path& dir, const std::filesystem::path& path) {
  const std::string prefix = '.' + path.filename().string() + ".tmp.";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const auto pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
    if (pid > 0 && pid != ::getpid() && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
      std::filesystem::remove(entry.path(), ec);
  }
}

}  // namespace

void write_file_atomic(const std::filesystem::path& path, const std::function<void(std::ostream&)>& writer) {
  const auto dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const auto tmp = temp_path_for(path);
  try {
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      if (!out) throw Error("cannot write " + tmp.string() + ": " + std::strerror(errno));
      errno = 0;
      writer(out);
      out.flush();
      if (!out) throw Error("cannot write " + path.string() + ": " + (errno ? std::strerror(errno) : "write failed"));
      out.close();
      if (!out) throw Error("cannot write " + path.string() + ": " + (errno ? std::strerror(errno) : "write failed"));
    }
    if (!fsync_path(tmp, O_RDONLY)) throw Error("cannot write " + path.string() + ": " + std::strerror(errno));
    std::filesystem::rename(tmp, path);
    fsync_path(dir, O_RDONLY | O_DIRECTORY);
    remove_stale_temps(dir, path);
  } catch (const std::filesystem::filesystem_error& e) {
    std::filesystem::remove(tmp, ec);
    throw Error("cannot write " + path.string() + ": " + e.code().message());
  } catch (...) {
    std::filesystem::remove(tmp, ec);
    throw;
  }
}

void write_file_atomic(const std::filesystem::path& path, std::string_view content) {
  write_file_atomic(path, [&](std::ostream& out) { out.write(content.data(), static_cast<std::streamsize>(content.size())); });
}

}  // namespace mop::util
