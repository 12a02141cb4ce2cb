#include "mop/personas.h"

#include <algorithm>
#include <numeric>
#include <random>

#include "mop/error.h"
#include "mop/kmeans.h"
#include "mop/prompts.h"

namespace mop::method {
namespace {

// Up to S members: the `nearest` closest to the centroid, then random others (seeded).
std::vector<size_t> pick_members(const std::vector<size_t>& members, const std::vector<float>& dist, const PersonaOptions& o,
                                 std::mt19937_64& rng) {
  std::vector<size_t> by_distance = members;
  std::stable_sort(by_distance.begin(), by_distance.end(), [&](size_t a, size_t b) { return dist[a] < dist[b]; });
  const size_t s = std::min<size_t>(o.per_cluster, members.size());
  const size_t near = std::min<size_t>(std::min(o.nearest, o.per_cluster), s);
  std::vector<size_t> chosen(by_distance.begin(), by_distance.begin() + static_cast<std::ptrdiff_t>(near));
  std::vector<size_t> rest(by_distance.begin() + static_cast<std::ptrdiff_t>(near), by_distance.end());
  for (size_t i = 0; chosen.size() < s; ++i) {  // partial Fisher-Yates over the rest
    std::uniform_int_distribution<size_t> pick(i, rest.size() - 1);
    std::swap(rest[i], rest[pick(rng)]);
    chosen.push_back(rest[i]);
  }
  return chosen;
}

}  // namespace

std::vector<Persona> synthesize_personas(const std::vector<data::Record>& records, const embed::Matrix& embeddings,
                                         lm::LanguageModel& model, const PersonaOptions& o, const lm::Progress& progress) {
  if (static_cast<size_t>(embeddings.rows()) != records.size())
    throw Error("persona synthesis: " + std::to_string(records.size()) + " records but " + std::to_string(embeddings.rows()) +
                " embeddings");
  if (o.k < 1 || static_cast<size_t>(o.k) > records.size())
    throw Error("cannot make " + std::to_string(o.k) + " personas from " + std::to_string(records.size()) +
                " records: --k must be between 1 and the number of records");
  if (o.per_cluster < 1) throw Error("--per-cluster must be at least 1");
  const Domain& domain = domain_by_name(o.domain);
  const std::string templ = o.template_text.empty() ? domain.summarize : o.template_text;

  cluster::KMeansOptions ko;
  ko.niter = o.kmeans_iters;
  ko.nredo = o.kmeans_restarts;
  ko.seed = static_cast<int>(o.seed % 1000003);
  const auto km = cluster::kmeans(embeddings, o.k, ko);
  std::vector<std::vector<size_t>> members(o.k);
  for (size_t i = 0; i < records.size(); ++i) members[km.labels[i]].push_back(i);

  std::mt19937_64 rng(o.seed);
  std::vector<Persona> personas;
  std::vector<lm::GenerateRequest> requests;
  for (int c = 0; c < o.k; ++c) {
    if (members[c].empty()) continue;  // faiss splits empty clusters; kept for safety
    Persona p;
    p.cluster_size = static_cast<int>(members[c].size());
    std::vector<Example> examples;
    for (size_t i : pick_members(members[c], km.distances, o, rng)) {
      p.member_ids.push_back(records[i].id);
      examples.push_back({records[i].text, records[i].context});
    }
    lm::GenerateRequest r = model.request(std::string(), summarization_instruction(templ, domain, examples));
    r.sampling.temperature = o.temperature;
    r.sampling.max_tokens = o.max_tokens;
    r.sampling.seed = lm::stream_seed(o.seed, static_cast<uint64_t>(c));
    r.sampling.stop = {"\n\n"};
    requests.push_back(std::move(r));
    personas.push_back(std::move(p));
  }
  const auto replies = model.generate(requests, progress);
  for (size_t i = 0; i < personas.size(); ++i) {
    personas[i].id = static_cast<int>(i);
    personas[i].text = clean_persona(replies[i].text);
    // A model that gives nothing usable still yields a persona grounded in its cluster.
    if (personas[i].text.empty())
      personas[i].text = "You are a person who writes " + domain.noun + "s like the ones in cluster " + std::to_string(i) + ".";
  }
  return personas;
}

}  // namespace mop::method
