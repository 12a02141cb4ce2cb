// The suite's results as metrics.json and metrics.md.

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

// A table's header and rule: the given columns, then the metric table's, right-aligned.
std::string table_head(const std::string& columns, const std::string& rule, bool group) {
  std::string h = columns, r = rule;
  for (const auto& c : kMetricTable) h += " " + (group ? c.group_header() : c.header()) + " |", r += "---:|";
  return h + "\n" + r + "\n";
}

std::string value_cells(const Metrics& m) {
  std::string s;
  for (const auto& c : kMetricTable) s += " " + c.format(m.*c.value) + " |";
  return s + "\n";
}

std::string overall_line(const std::string& name, const Metrics& m) {
  return "| " + cell(name) + " | " + std::to_string(m.synthetic_rows) + " |" + value_cells(m);
}

}  // namespace

nlohmann::json to_json(const SuiteResult& result) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& s : result.sets) add_rows(rows, "synthetic", s);
  if (result.ceiling) add_rows(rows, "ceiling", *result.ceiling);
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
          {"persona_usage", usage},
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
