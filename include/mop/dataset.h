#pragma once
// mop::data — records in and out. Every command that reads a corpus (embed, personas, fit, eval,
// baselines) loads it through load(); synthetic outputs go back out through write_jsonl().
// Errors in the input are the user's to fix, so they surface as one mop::Error naming the file,
// line and field — or, with skip_bad, as counted warnings in the LoadReport.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace mop::data {

// One example: the response y (text), its optional context x and label, and whatever else the
// input carried (extra), plus where it came from so later errors can point back at the input.
struct Record {
  std::string id;                     // the input's id field, else the 0-based data-row index, or
                                      // for a .txt directory the file's path relative to it
  std::string text;                   // the response y; never empty
  std::optional<std::string> context;  // x, e.g. a movie title or business category
  std::optional<std::string> label;    // non-string JSON labels (stars: 5.0) keep their JSON text
  nlohmann::json extra = nlohmann::json::object();  // every other field, by name
  std::string source;                 // file the record was read from
  std::size_t line = 0;               // 1-based line where it starts (0: not from a file)

  bool operator==(const Record&) const = default;
};

enum class Format { Auto, Jsonl, Csv, Tsv, TxtDir };

// "auto", "jsonl" (also "json"), "csv", "tsv", "txt"; anything else throws mop::Error.
Format parse_format(std::string_view name);
std::string_view format_name(Format format);
// What Auto means for `path`: a directory is TxtDir; else by extension (.jsonl/.json/.ndjson,
// .csv, .tsv/.tab). Throws mop::Error for an extension it cannot place.
Format detect_format(const std::filesystem::path& path);

struct LoadOptions {
  Format format = Format::Auto;
  std::string text_field = "text";
  std::optional<std::string> context_field;  // unset: records have no context
  std::optional<std::string> label_field;    // unset: "label" where present; set: required
  std::optional<std::string> id_field;       // unset: "id" where present; set: required
  bool skip_bad = false;                     // bad rows become warnings instead of an error
  std::size_t max_messages = 5;              // how many warning texts the report keeps
};

struct LoadReport {
  std::size_t loaded = 0;
  std::size_t skipped = 0;            // bad rows dropped under skip_bad
  std::vector<std::string> messages;  // the first max_messages of them, "file:line: what"
};

struct LoadResult {
  std::vector<Record> records;
  LoadReport report;
};

// Reads a JSONL, CSV or TSV file (header row names the columns; RFC-4180 quoting), or a directory
// of .txt files (one record per file, label = its top sub-folder, in sorted path order).
// Throws mop::Error on unreadable or bad input, and when no record at all could be loaded.
LoadResult load(const std::filesystem::path& path, const LoadOptions& options = {});

// Writes one JSON object per record — id, text, context, label (when set), then the extra fields —
// atomically (all or nothing). Invalid UTF-8 in a record is written as U+FFFD, so a long
// generation run never fails at the last step over one broken token.
void write_jsonl(const std::filesystem::path& path, const std::vector<Record>& records);

// --- Sampling and de-duplication. Results are in input order and depend only on the seed and the
// input (std::mt19937_64 and our own Fisher-Yates; no std:: distributions).

// n distinct indices out of [0, population), ascending. Throws mop::Error if n > population.
std::vector<std::size_t> sample_indices(std::size_t population, std::size_t n, std::uint64_t seed);
std::vector<Record> sample(const std::vector<Record>& records, std::size_t n, std::uint64_t seed);

// How many of n to take from each group of the given sizes: proportional, rounded by largest
// remainder (ties: larger group first, then lower position). Sums to n; throws if n > total.
std::vector<std::size_t> stratified_allocation(const std::vector<std::size_t>& group_sizes, std::size_t n);
// A sample of n whose label proportions follow the input's. Every record needs a label.
std::vector<std::size_t> stratified_sample_indices(const std::vector<Record>& records, std::size_t n,
                                                   std::uint64_t seed);
std::vector<Record> stratified_sample(const std::vector<Record>& records, std::size_t n, std::uint64_t seed);

// Key for loose duplicate matching: whitespace runs become one space, ends trimmed, letters
// lower-cased (ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic).
std::string normalize_text(std::string_view text);
// Indices of the first record of each distinct text (exact, or by normalize_text), ascending.
std::vector<std::size_t> dedup_indices(const std::vector<Record>& records, bool normalize = false);
std::vector<Record> dedup(const std::vector<Record>& records, bool normalize = false);

// The records at `indices`, in that order.
std::vector<Record> subset(const std::vector<Record>& records, const std::vector<std::size_t>& indices);

}  // namespace mop::data
