#pragma once
// A synthetic-data output written in chunks so that a killed job loses at most one chunk:
// finished lines are appended (fsync'd) to OUT.partial, the job's settings sit in
// OUT.partial.json, and a rerun of the same job continues where the last one stopped. The final
// file (lines in index order) is written atomically and the partial files are removed.
// Used by mop simulate and mop baseline.
#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mop::method {

class ResumableOutput {
 public:
  // Opens the job producing records 0..n-1 into `out`. `settings` identifies the job: a leftover
  // OUT.partial from a job with other settings is an error (never silently mixed).
  ResumableOutput(std::filesystem::path out, const nlohmann::json& settings, size_t n);

  // Indices not yet written, ascending.
  std::vector<size_t> todo() const;
  size_t finished() const { return done_.size(); }
  // The lines written so far (this run's and the earlier runs'), by index: a job that builds on
  // its own earlier samples (ProGen's rounds) reads them back from here.
  const std::map<size_t, std::string>& lines() const { return done_; }

  // Appends one chunk of (index, JSON line without newline) durably to OUT.partial.
  void append(const std::vector<std::pair<size_t, std::string>>& lines);

  // Writes OUT with every line in index order and removes the partial files.
  void finish();

 private:
  std::filesystem::path out_, partial_, partial_meta_;
  size_t n_;
  std::map<size_t, std::string> done_;
};

}  // namespace mop::method
