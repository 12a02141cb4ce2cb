#pragma once
// Small real slices of ../shared/data for the `mop eval` tests, written into a test's temp dir.
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace mop::test {

// Writes records [first, first + count) of shared data/<relative> (JSONL) to `dest`, each passed
// through `edit` (given the record and its index within the slice) when set.
void write_slice(const std::string& relative, std::size_t first, std::size_t count, const std::string& dest,
                 const std::function<void(nlohmann::json&, std::size_t)>& edit = {});

}  // namespace mop::test
