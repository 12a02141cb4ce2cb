#include "method/resumable_output.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include <fcntl.h>
#include <unistd.h>

#include "mop/error.h"
#include "mop/util/atomic_file.h"

namespace mop::method {
namespace fs = std::filesystem;
namespace {

// Lines already in OUT.partial from an earlier, interrupted run (a torn last line is dropped).
std::map<size_t, std::string> read_partial(const fs::path& partial) {
  std::map<size_t, std::string> done;
  std::ifstream in(partial, std::ios::binary);
  for (std::string line; std::getline(in, line);) {
    try {
      const auto j = nlohmann::json::parse(line);
      done[j.at("index").get<size_t>()] = line;
    } catch (const std::exception&) {
      break;  // an incomplete line: everything after it is redone
    }
  }
  return done;
}

void append_durably(const fs::path& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) throw Error("cannot write " + path.string() + ": " + std::strerror(errno));
  // A short write is retried for the rest, so the error (EFBIG, ENOSPC) is the one that stopped it.
  size_t done = 0;
  bool ok = true;
  while (ok && done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n > 0) done += static_cast<size_t>(n);
    else ok = n < 0 && errno == EINTR;
  }
  ok = ok && ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  // A torn last line is dropped when the job is rerun (read_partial).
  if (!ok) throw Error("cannot write " + path.string() + ": " + std::strerror(saved));
}

}  // namespace

ResumableOutput::ResumableOutput(fs::path out, const nlohmann::json& settings, size_t n)
    : out_(std::move(out)), partial_(out_.string() + ".partial"), partial_meta_(out_.string() + ".partial.json"), n_(n) {
  if (fs::exists(partial_)) {
    std::ifstream in(partial_meta_);
    nlohmann::json old;
    try {
      old = nlohmann::json::parse(in);
    } catch (const std::exception&) {
    }
    if (old != settings)
      throw Error(partial_.string() + " is left from a run with other settings: rerun that command, or delete the file");
  } else {
    util::write_file_atomic(partial_meta_, settings.dump() + "\n");
  }
  for (auto& [i, line] : read_partial(partial_))
    if (i < n_) done_[i] = std::move(line);
  // The chunk file is rewritten without a torn tail before new lines are appended to it.
  std::string kept;
  for (const auto& [i, line] : done_) kept += line + "\n";
  util::write_file_atomic(partial_, kept);
  if (!done_.empty()) std::fprintf(stderr, "mop: resuming: %zu of %zu samples already in %s\n", done_.size(), n_, partial_.c_str());
}

std::vector<size_t> ResumableOutput::todo() const {
  std::vector<size_t> out;
  for (size_t i = 0; i < n_; ++i)
    if (!done_.count(i)) out.push_back(i);
  return out;
}

void ResumableOutput::append(const std::vector<std::pair<size_t, std::string>>& lines) {
  std::string text;
  for (const auto& [i, line] : lines) {
    text += line + "\n";
    done_[i] = line;
  }
  append_durably(partial_, text);
}

void ResumableOutput::finish() {
  std::string all;
  for (const auto& [i, line] : done_) all += line + "\n";
  util::write_file_atomic(out_, all);
  fs::remove(partial_);
  fs::remove(partial_meta_);
}

}  // namespace mop::method
