#pragma once
// What every baseline shares: sample i is planned on its own (its own random stream), generated
// in chunks, and written through the resumable output, so the file is the same whatever the
// chunking and a killed run continues where it stopped.
#include <functional>
#include <optional>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "method/resumable_output.h"
#include "mop/baselines.h"

namespace mop::baselines::detail {

// One sample's prompt and what its record carries besides the text.
struct Planned {
  std::optional<std::string> context;
  std::optional<std::string> label;  // used when the options give neither label nor condition
  std::string prompt;
  nlohmann::json provenance = nlohmann::json::object();  // the method's own fields
};

// Checks the shared options and opens OUT's resumable output; `settings` (the method's own) joins
// the shared options in OUT.partial.json, so a rerun continues only the same job.
method::ResumableOutput open_output(const std::string& method, lm::LanguageModel& lm, const std::filesystem::path& out,
                                    const BaselineOptions& options, const nlohmann::json& settings);

// Generates the samples `indices` (ascending) in chunks of options.chunk into `output`.
void generate_into(method::ResumableOutput& output, const std::string& method, lm::LanguageModel& lm,
                   const BaselineOptions& options, const std::vector<size_t>& indices,
                   const std::function<Planned(size_t index)>& plan, const lm::Progress& progress);

// open_output, generate_into every index not yet written, then the final file.
void run_baseline(const std::string& method, lm::LanguageModel& lm, const std::filesystem::path& out,
                  const BaselineOptions& options, const nlohmann::json& settings,
                  const std::function<Planned(size_t index)>& plan, const lm::Progress& progress);

// Sample `index`'s random stream for the method's own draws (generation seeds use another).
std::mt19937_64 sample_rng(uint64_t seed, size_t index);
// A uniform draw from [0, n), portable across standard libraries (no std:: distributions).
size_t draw_index(std::mt19937_64& rng, size_t n);
// contexts[index mod C], or none.
std::optional<std::string> context_of(const BaselineOptions& options, size_t index);

}  // namespace mop::baselines::detail
