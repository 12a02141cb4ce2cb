#include <fstream>
#include <sstream>

#include "mop/eval_store.h"
#include "mop/metric_table.h"
#include "mop/util/atomic_file.h"
#include "mop/util/json_optional.h"

namespace mop::eval {
namespace {

nlohmann::json metrics_json(const Metrics& m) {
  nlohmann::json j = {{"golden_rows", m.golden_rows},
                      {"synthetic_rows", m.synthetic_rows},
                      {"mauve_clusters", m.mauve_clusters},
                      {"notes", m.notes}};
  for (const auto& c : kMetricTable) j[c.name] = util::json_or_null(m.*c.value);
  return j;
}

Metrics metrics_of(const nlohmann::json& j) {
  Metrics m;
  m.golden_rows = j.at("golden_rows").get<std::size_t>();
  m.synthetic_rows = j.at("synthetic_rows").get<std::size_t>();
  for (const auto& c : kMetricTable) m.*c.value = util::optional_double(j.at(c.name));
  m.mauve_clusters = j.at("mauve_clusters").get<int>();
  m.notes = j.at("notes").get<std::vector<std::string>>();
  return m;
}

}  // namespace

nlohmann::json subgroup_table_to_json(const SubgroupTable& t) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : t.rows)
    rows.push_back({{"group", r.group},
                    {"golden_rows", r.golden_rows},
                    {"synthetic_rows", r.synthetic_rows},
                    {"golden_share", r.golden_share},
                    {"synthetic_share", r.synthetic_share},
                    {"share_ratio", util::json_or_null(r.share_ratio)},
                    {"precision", util::json_or_null(r.precision)},
                    {"recall", util::json_or_null(r.recall)},
                    {"density", util::json_or_null(r.density)},
                    {"coverage", util::json_or_null(r.coverage)},
                    {"golden_examples", r.golden_examples},
                    {"synthetic_examples", r.synthetic_examples}});
  return {{"kind", t.kind}, {"by", t.by}, {"placement", t.placement}, {"outside_rows", t.outside_rows}, {"groups", rows}};
}

SubgroupTable subgroup_table_from_json(const nlohmann::json& j) {
  SubgroupTable t;
  t.kind = j.at("kind").get<std::string>();
  t.by = j.at("by").get<std::string>();
  t.placement = j.at("placement").get<std::string>();
  t.outside_rows = j.at("outside_rows").get<std::size_t>();
  for (const auto& g : j.at("groups")) {
    SubgroupRow r;
    r.group = g.at("group").get<std::string>();
    r.golden_rows = g.at("golden_rows").get<std::size_t>();
    r.synthetic_rows = g.at("synthetic_rows").get<std::size_t>();
    r.golden_share = g.at("golden_share").get<double>();
    r.synthetic_share = g.at("synthetic_share").get<double>();
    r.share_ratio = util::optional_double(g.at("share_ratio"));
    r.precision = util::optional_double(g.at("precision"));
    r.recall = util::optional_double(g.at("recall"));
    r.density = util::optional_double(g.at("density"));
    r.coverage = util::optional_double(g.at("coverage"));
    r.golden_examples = g.at("golden_examples").get<std::vector<std::string>>();
    r.synthetic_examples = g.at("synthetic_examples").get<std::vector<std::string>>();
    t.rows.push_back(std::move(r));
  }
  return t;
}

nlohmann::json set_result_to_json(const SetResult& r) {
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& [label, m] : r.groups) groups.push_back({{"label", label}, {"metrics", metrics_json(m)}});
  nlohmann::json usage = nlohmann::json::array();
  for (const auto& [id, n] : r.persona_usage) usage.push_back({id, n});
  nlohmann::json subgroups = nlohmann::json::array();
  for (const auto& t : r.subgroups) subgroups.push_back(subgroup_table_to_json(t));
  const auto& k = r.kl_detail;
  return {{"name", r.name},
          {"path", r.path},
          {"overall", metrics_json(r.overall)},
          {"groups", groups},
          {"kl_detail",
           {{"kl", k.kl},
            {"golden_hist", k.golden_hist},
            {"synthetic_hist", k.synthetic_hist},
            {"golden_pairs", k.golden_pairs},
            {"synthetic_pairs", k.synthetic_pairs}}},
          {"distance_rows", r.distance_rows},
          {"classifier_rows", r.classifier_rows},
          {"persona_usage", usage},
          {"subgroups", subgroups}};
}

SetResult set_result_from_json(const nlohmann::json& j) {
  SetResult r;
  r.name = j.at("name").get<std::string>();
  r.path = j.at("path").get<std::string>();
  r.overall = metrics_of(j.at("overall"));
  for (const auto& g : j.at("groups")) r.groups.emplace_back(g.at("label").get<std::string>(), metrics_of(g.at("metrics")));
  const auto& k = j.at("kl_detail");
  r.kl_detail.kl = k.at("kl").get<double>();
  r.kl_detail.golden_hist = k.at("golden_hist").get<std::vector<double>>();
  r.kl_detail.synthetic_hist = k.at("synthetic_hist").get<std::vector<double>>();
  r.kl_detail.golden_pairs = k.at("golden_pairs").get<std::int64_t>();
  r.kl_detail.synthetic_pairs = k.at("synthetic_pairs").get<std::int64_t>();
  r.distance_rows = j.at("distance_rows").get<std::size_t>();
  r.classifier_rows = j.at("classifier_rows").get<std::size_t>();
  for (const auto& u : j.at("persona_usage")) r.persona_usage.emplace_back(u.at(0).get<std::string>(), u.at(1).get<std::size_t>());
  for (const auto& t : j.at("subgroups")) r.subgroups.push_back(subgroup_table_from_json(t));
  return r;
}

std::optional<SetResult> DirectoryStore::find(const std::string& key) {
  if (!reuse_) return std::nullopt;
  std::ifstream in(dir_ / (key + ".json"), std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  try {
    const auto j = nlohmann::json::parse(text.str());
    if (j.at("key").get<std::string>() != key) return std::nullopt;
    return set_result_from_json(j.at("result"));
  } catch (const std::exception&) {
    return std::nullopt;  // damaged by hand or by another tool: compute it again
  }
}

void DirectoryStore::keep(const std::string& key, const SetResult& result) {
  std::filesystem::create_directories(dir_);
  util::write_file_atomic(dir_ / (key + ".json"), nlohmann::json{{"key", key}, {"result", set_result_to_json(result)}}.dump() + "\n");
}

}  // namespace mop::eval
