#pragma once
// Personas g_1..g_K: synthesized from the data (k-means on the records' embeddings, then the LLM
// summarises each cluster into one sentence) or written by the user.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mop/dataset.h"
#include "mop/embed.h"
#include "mop/lm.h"

namespace mop::method {

struct Persona {
  int id = 0;
  std::string text;
  int cluster_size = 0;                 // records in its cluster (0 for user-written personas)
  std::vector<std::string> member_ids;  // records shown to the LLM when it was written
  std::optional<std::string> label;     // set when personas are labelled (topic data)
};

struct PersonaOptions {
  int k = 100;               // number of personas (clusters)
  int per_cluster = 10;      // S: records shown to the LLM per cluster
  int nearest = 5;           // of those, the ones nearest the centroid; the rest drawn at random
  std::string domain = "generic";
  std::string template_text;  // "" = the domain's built-in prompt; else must contain {examples}
  int kmeans_iters = 25;
  int kmeans_restarts = 5;
  uint64_t seed = 0;
  double temperature = 0.0;  // 0 = greedy summaries
  int max_tokens = 64;
};

// Clusters `embeddings` (one row per record) and asks `model` to summarise each cluster.
// Throws mop::Error if k is not in [1, records] or the sizes disagree.
std::vector<Persona> synthesize_personas(const std::vector<data::Record>& records, const embed::Matrix& embeddings,
                                         lm::LanguageModel& model, const PersonaOptions& options,
                                         const lm::Progress& progress = {});

// Ablation "without persona synthesis": k personas the LLM writes for the domain without seeing
// any data, each sampled at `temperature` from its own stream of `seed`. Duplicates and empty
// replies are drawn again (a few rounds) so the k personas differ where the model allows.
// `progress` counts personas written, of k.
std::vector<Persona> generic_personas(lm::LanguageModel& model, int k, const std::string& domain, uint64_t seed,
                                      double temperature = 1.0, int max_tokens = 64, const lm::Progress& progress = {});

// Labels each persona (topic data) with the paper's persona classification prompt: a multiple-choice
// question over `labels`, answered by the option letter with the highest log-likelihood (scored, not
// sampled, so the answer is always one of the options). Returns each persona's log-probabilities
// of the options, normalised over the options, in label order.
std::vector<std::vector<double>> label_personas(lm::LanguageModel& model, std::vector<Persona>& personas,
                                                const std::vector<std::string>& labels, const std::string& domain);

// User-written personas: a .jsonl file (field "text" or "persona", optional "label") or plain
// text, one persona per non-blank line.
std::vector<Persona> read_personas(const std::filesystem::path& path);
void write_personas(const std::filesystem::path& path, const std::vector<Persona>& personas);  // JSONL, atomic

}  // namespace mop::method
