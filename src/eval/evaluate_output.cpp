// The suite's results as metrics.json and metrics.md.

#include <cstdio>

#include "mop/eval_store.h"
#include "mop/evaluate.h"
#include "mop/metric_table.h"
#include "mop/util/json_optional.h"

namespace mop::eval {

namespace {

nlohmann::json row(const std::string& role, const SetResult& set, const std::string* group, const Metrics& m) {
  nlohmann::json j = {{"role", role},
                      {"set", set.name},
                      {"path", set.path},
                      {"group", group ? nlohmann::json(*group) : nlohmann::json()},
                      {"golden_rows", m.golden_rows},
                      {"synthetic_rows", m.synthetic_rows},
                      {"mauve_clusters", m.mauve ? nlohmann::json(m.mauve_clusters) : nlohmann::json()},
                      {"notes", m.notes}};
  for (const auto& c : kMetricTable) j[group ? c.group_key() : c.name] = util::json_or_null(m.*c.value);
  if (!group) j["classifier_rows"] = set.classifier_rows;
  return j;
}

void add_rows(nlohmann::json& rows, const std::string& role, const SetResult& set) {
  rows.push_back(row(role, set, nullptr, set.overall));
  for (const auto& [label, m] : set.groups) rows.push_back(row("group", set, &label, m));
}

// Markdown table cells must not break the table.
std::string cell(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
  }
  return out;
}

// A table's header and rule: the given columns, then the metric table's (its check columns, or the
// others), right-aligned.
std::string table_head(const std::string& columns, const std::string& rule, bool group, bool checks = false) {
  std::string h = columns, r = rule;
  for (const auto& c : kMetricTable)
    if (c.check == checks) h += " " + (group ? c.group_header() : c.header()) + " |", r += "---:|";
  return h + "\n" + r + "\n";
}

std::string value_cells(const Metrics& m, bool checks = false) {
  std::string s;
  for (const auto& c : kMetricTable)
    if (c.check == checks) s += " " + c.format(m.*c.value) + " |";
  return s + "\n";
}

std::string overall_line(const std::string& name, const Metrics& m, bool checks = false) {
  return "| " + cell(name) + " | " + std::to_string(m.synthetic_rows) + " |" + value_cells(m, checks);
}

std::string percent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100 * share);
  return buf;
}

std::string quoted_list(const std::vector<std::string>& texts) {
  if (texts.empty()) return "none";
  std::string s;
  for (const auto& t : texts) s += (s.empty() ? "\"" : "; \"") + cell(t) + "\"";
  return s;
}

// Every set (and the ceiling) with its role, as the subgroup sections list them.
std::vector<std::pair<std::string, const SetResult*>> sets_of(const SuiteResult& result) {
  std::vector<std::pair<std::string, const SetResult*>> out;
  for (const auto& s : result.sets) out.emplace_back(s.name, &s);
  if (result.ceiling) out.emplace_back("ceiling: " + result.ceiling->name, &*result.ceiling);
  return out;
}

// A number of a fit-health row, or "—".
std::string figure(const nlohmann::json& row, const char* key, const char* format) {
  if (!row.contains(key) || !row[key].is_number()) return "—";
  char buf[32];
  std::snprintf(buf, sizeof buf, format, row[key].get<double>());
  return buf;
}

std::string fit_health_section(const nlohmann::json& rows) {
  if (!rows.is_array() || rows.empty()) return "";
  std::string md = "\n## Fit health\n\nThe fitted gates the sets came from, at their last epoch (their train_log.jsonl): "
                   "a gate with fewer than 2 effective personas of 8 or more has collapsed.\n\n"
                   "| set | run | personas | effective personas | exemplars per persona | τ range | records on one "
                   "persona | collapsed |\n|---|---|---:|---:|---:|---|---:|---|\n";
  for (const auto& r : rows) {
    md += "| " + cell(r.value("set", "")) + " | " + cell(r.value("run", "")) + " | ";
    if (r.contains("note")) {
      md += "— | — | — | — | — | " + cell(r["note"].get<std::string>()) + " |\n";
      continue;
    }
    md += std::to_string(r.value("personas", 0)) + " | " + figure(r, "effective_personas", "%.2f") + " | " +
          figure(r, "exemplars_per_persona", "%.2f") + " | " + figure(r, "tau_min", "%.2f") + "–" +
          figure(r, "tau_max", "%.2f") + " | " + figure(r, "one_persona_share", "%.3f") + " | " +
          (r.value("collapsed", false) ? "**yes**" : "no") + " |\n";
  }
  return md;
}

std::string subgroup_section(const SuiteResult& result) {
  const int limit = result.settings.contains("subgroups") ? result.settings["subgroups"].value("minority", 5) : 5;
  std::string md = "\n## Who is missing\n\nThe subgroups of the golden set each set under-represents most "
                   "(share ratio = set share / golden share, below 1; coverage: share of the group's golden rows "
                   "whose k-NN ball holds a row of the set placed in the group), with the examples nearest each group's centroid.\n";
  std::string tables = "\n## Subgroups\n";
  for (const auto& [name, s] : sets_of(result))
    for (const auto& t : s->subgroups) {
      md += "\n### " + cell(name) + ", by " + cell(t.by) + "\n\n";
      const auto worst = minority_rows(t, limit);
      if (worst.empty()) md += "No group is under-represented.\n";
      for (const SubgroupRow* r : worst)
        md += "- **" + cell(r->group) + "**: " + percent(r->golden_share) + " of golden, " + percent(r->synthetic_share) +
              " of the set (ratio " + format_value(r->share_ratio) + "), coverage " + format_value(r->coverage) +
              ". Golden: " + quoted_list(r->golden_examples) + ". Set: " + quoted_list(r->synthetic_examples) + ".\n";
      tables += "\n### " + cell(name) + ", by " + cell(t.by) + "\n\nRows placed by " + cell(t.placement) +
                (t.outside_rows ? "; " + std::to_string(t.outside_rows) + " rows carry a value no golden group has" : "") +
                ".\n\n| group | golden rows | golden share | set rows | set share | share ratio ↑ | precision ↑ | "
                "recall ↑ | density ↑ | coverage ↑ |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
      for (const auto& r : t.rows)
        tables += "| " + cell(r.group) + " | " + std::to_string(r.golden_rows) + " | " + percent(r.golden_share) + " | " +
                  std::to_string(r.synthetic_rows) + " | " + percent(r.synthetic_share) + " | " +
                  format_value(r.share_ratio) + " | " + format_value(r.precision) + " | " + format_value(r.recall) +
                  " | " + format_value(r.density) + " | " + format_value(r.coverage) + " |\n";
    }
  return md + tables;
}

}  // namespace

nlohmann::json to_json(const SuiteResult& result) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& s : result.sets) add_rows(rows, "synthetic", s);
  if (result.ceiling) add_rows(rows, "ceiling", *result.ceiling);
  nlohmann::json subgroups = nlohmann::json::array();
  auto add_subgroups = [&](const std::string& role, const SetResult& s) {
    for (const auto& t : s.subgroups) {
      nlohmann::json j = subgroup_table_to_json(t);
      j["role"] = role;
      j["set"] = s.name;
      subgroups.push_back(std::move(j));
    }
  };
  for (const auto& s : result.sets) add_subgroups("synthetic", s);
  if (result.ceiling) add_subgroups("ceiling", *result.ceiling);
  nlohmann::json usage = nlohmann::json::object();
  for (const auto& s : result.sets) {
    if (s.persona_usage.empty()) continue;
    nlohmann::json counts = nlohmann::json::object();
    for (const auto& [id, n] : s.persona_usage) counts[id] = n;
    usage[s.name] = counts;
  }
  return {{"golden", {{"name", result.golden_name}, {"rows", result.golden_rows}, {"labels", result.golden_labels}}},
          {"settings", result.settings},
          {"rows", rows},
          {"subgroups", subgroups},
          {"persona_usage", usage},
          {"fit_health", result.fit_health},
          {"notes", result.notes}};
}

std::string to_markdown(const SuiteResult& result) {
  std::string md = "# mop eval\n\nGolden set: " + cell(result.golden_name) + " (" +
                   std::to_string(result.golden_rows) + " rows).";
  if (result.settings.contains("encoder")) md += " Encoder: `" + result.settings["encoder"].value("id", "") + "`.";
  md += " Classifier: " + result.settings["classifier"].value("name", "") +
        ". KL-cosine is KL(S ‖ G), synthetic relative to golden.\n\n";
  md += table_head("| set | rows |", "|---|---:|", false);
  for (const auto& s : result.sets) md += overall_line(s.name, s.overall);
  if (result.ceiling) md += overall_line("real training data (ceiling): " + result.ceiling->name, result.ceiling->overall);

  if (!result.golden_labels.empty()) {
    md += "\n## Per golden label\n\nF1 here is the class's own F1 under the set's classifier.\n\n";
    md += table_head("| set | label | golden rows | set rows |", "|---|---|---:|---:|", true);
    auto groups = [&](const std::string& name, const SetResult& s) {
      for (const auto& [label, m] : s.groups)
        md += "| " + cell(name) + " | " + cell(label) + " | " + std::to_string(m.golden_rows) + " | " +
              std::to_string(m.synthetic_rows) + " |" + value_cells(m);
    };
    for (const auto& s : result.sets) groups(s.name, s);
    if (result.ceiling) groups("ceiling: " + result.ceiling->name, *result.ceiling);
  }

  md += "\n## Checks\n\nLabel shares against the golden shares (Pearson's chi-square and its p-value), lengths in "
        "words (two-sample Kolmogorov-Smirnov D and p-value), and the lowest share ratio and coverage over the "
        "first subgrouping's groups.\n\n";
  md += table_head("| set | rows |", "|---|---:|", false, true);
  for (const auto& s : result.sets) md += overall_line(s.name, s.overall, true);
  if (result.ceiling)
    md += overall_line("real training data (ceiling): " + result.ceiling->name, result.ceiling->overall, true);
  md += subgroup_section(result);
  md += fit_health_section(result.fit_health);

  md += "\n## Notes\n\n";
  for (const auto& n : result.notes) md += "- " + n + "\n";
  auto notes = [&](const std::string& name, const SetResult& s) {
    for (const auto& n : s.overall.notes) md += "- " + name + ": " + n + "\n";
    for (const auto& [label, m] : s.groups)
      for (const auto& n : m.notes) md += "- " + name + ", label " + label + ": " + n + "\n";
  };
  for (const auto& s : result.sets) notes(s.name, s);
  if (result.ceiling) notes("ceiling " + result.ceiling->name, *result.ceiling);
  return md;
}

}  // namespace mop::eval
