#include "mop/personas.h"

#include <algorithm>
#include <fstream>
#include <numeric>
#include <random>

#include "mop/error.h"
#include "mop/kmeans.h"
#include "mop/prompts.h"
#include "mop/util/atomic_file.h"
#include "mop/util/jsonl.h"

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

  const auto km = cluster::kmeans(embeddings, o.k, {o.kmeans_iters, o.kmeans_restarts, static_cast<int>(o.seed % 1000003)});
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
    lm::GenerateRequest r;
    r.prompt = model.render(std::string(), summarization_instruction(templ, domain, examples));
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

std::vector<Persona> read_personas(const std::filesystem::path& path) {
  std::vector<Persona> out;
  const auto ext = path.extension().string();
  if (ext == ".jsonl" || ext == ".json") {
    for (const auto& line : util::read_jsonl_objects(path.string())) {
      Persona p;
      p.id = static_cast<int>(out.size());
      auto text = line.optional_string("text");
      if (!text) text = line.optional_string("persona");
      if (!text) line.fail("text", "missing (a persona line needs \"text\" or \"persona\")");
      if (text->empty()) line.fail("text", "empty");
      p.text = *text;
      p.label = line.optional_string("label");
      if (auto n = line.optional_number("cluster_size")) p.cluster_size = static_cast<int>(*n);
      if (auto it = line.value.find("member_ids"); it != line.value.end() && it->is_array())
        for (const auto& m : *it) p.member_ids.push_back(m.is_string() ? m.get<std::string>() : m.dump());
      out.push_back(std::move(p));
    }
  } else {
    std::ifstream in(path);
    if (!in) throw Error("cannot open personas file " + path.string());
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      out.push_back({static_cast<int>(out.size()), line, 0, {}, std::nullopt});
    }
  }
  if (out.empty()) throw Error(path.string() + ": no personas");
  return out;
}

void write_personas(const std::filesystem::path& path, const std::vector<Persona>& personas) {
  std::string text;
  for (const auto& p : personas) {
    nlohmann::json j = {{"id", p.id}, {"text", p.text}, {"cluster_size", p.cluster_size}, {"member_ids", p.member_ids}};
    if (p.label) j["label"] = *p.label;
    text += util::dump_json_line(j) + "\n";
  }
  util::write_file_atomic(path, text);
}

}  // namespace mop::method
