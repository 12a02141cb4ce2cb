#pragma once
// Small real slices of ../shared/data for tests: as JSON records, or written into a test's temp dir.
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mop::test {

// Records [first, first + count) of shared data/<relative> (JSONL, e.g. "sst2/train.jsonl").
// Throws if the file cannot be read or has fewer rows.
std::vector<nlohmann::json> shared_records(const std::string& relative, std::size_t first, std::size_t count);

// The "text" fields of the first `count` records.
std::vector<std::string> shared_texts(const std::string& relative, std::size_t count);

// Writes records [first, first + count) to `dest` as JSONL, each passed through `edit` (given the
// record and its index within the slice) when set.
void write_slice(const std::string& relative, std::size_t first, std::size_t count, const std::string& dest,
                 const std::function<void(nlohmann::json&, std::size_t)>& edit = {});

}  // namespace mop::test
