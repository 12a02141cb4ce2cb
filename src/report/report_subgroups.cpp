// report.html's "Who is missing" section: the minority view and the subgroup tables (mop/report.h).
#include <algorithm>
#include <cstdio>

#include "mop/report.h"

namespace mop::report {
namespace {

std::string percent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100 * share);
  return buf;
}

// Golden and set shares as two thin bars on one scale (the largest share in the table is full width).
std::string share_bars(double golden, double set, double largest) {
  auto bar = [&](double share, std::string_view colour) {
    const int px = largest > 0 ? static_cast<int>(120 * share / largest + 0.5) : 0;
    return "<div style=\"height:6px;margin:1px 0;width:" + std::to_string(std::max(px, share > 0 ? 1 : 0)) +
           "px;background:" + std::string(colour) + "\"></div>";
  };
  return "<td style=\"width:124px\">" + bar(golden, kGoldenColour) + bar(set, kSyntheticColour) + "</td>";
}

std::string examples(const std::vector<std::string>& texts) {
  if (texts.empty()) return "<em>none</em>";
  std::string h = "<ul style=\"margin:2px 0\">";
  for (const auto& t : texts) h += "<li>" + escape(t) + "</li>";
  return h + "</ul>";
}

std::string minority(const eval::SubgroupTable& t, int limit) {
  const auto worst = eval::minority_rows(t, limit);
  if (worst.empty()) return "<p>No group is under-represented.</p>";
  std::string h = "<table><tr><th>group</th><th>golden share</th><th>set share</th><th>share ratio ↑</th>"
                  "<th>coverage ↑</th><th>golden examples</th><th>set examples</th></tr>";
  for (const eval::SubgroupRow* r : worst)
    h += "<tr><td>" + escape(r->group) + "</td><td class=\"n\">" + percent(r->golden_share) + "</td><td class=\"n\">" +
         percent(r->synthetic_share) + "</td><td class=\"n\">" + escape(eval::format_value(r->share_ratio)) +
         "</td><td class=\"n\">" + escape(eval::format_value(r->coverage)) + "</td><td>" +
         examples(r->golden_examples) + "</td><td>" + examples(r->synthetic_examples) + "</td></tr>";
  return h + "</table>";
}

std::string all_groups(const eval::SubgroupTable& t) {
  double largest = 0;
  for (const auto& r : t.rows) largest = std::max({largest, r.golden_share, r.synthetic_share});
  std::string h = "<table><tr><th>group</th><th>golden rows</th><th>set rows</th><th>shares</th><th>share ratio ↑</th>"
                  "<th>precision ↑</th><th>recall ↑</th><th>density ↑</th><th>coverage ↑</th></tr>";
  for (const auto& r : t.rows)
    h += "<tr><td>" + escape(r.group) + "</td><td class=\"n\">" + std::to_string(r.golden_rows) + "</td><td class=\"n\">" +
         std::to_string(r.synthetic_rows) + "</td>" + share_bars(r.golden_share, r.synthetic_share, largest) +
         "<td class=\"n\">" + escape(eval::format_value(r.share_ratio)) + "</td><td class=\"n\">" +
         escape(eval::format_value(r.precision)) + "</td><td class=\"n\">" + escape(eval::format_value(r.recall)) +
         "</td><td class=\"n\">" + escape(eval::format_value(r.density)) + "</td><td class=\"n\">" +
         escape(eval::format_value(r.coverage)) + "</td></tr>";
  return h + "</table>";
}

}  // namespace

std::string subgroups_section(const eval::SuiteResult& result) {
  const int limit = result.settings.contains("subgroups") ? result.settings["subgroups"].value("minority", 5) : 5;
  std::string h = "<h2>Who is missing</h2>";
  std::vector<std::pair<std::string, const eval::SetResult*>> sets;
  for (const auto& s : result.sets) sets.emplace_back(s.name, &s);
  if (result.ceiling) sets.emplace_back("ceiling: " + result.ceiling->name, &*result.ceiling);
  bool any = false;
  for (const auto& [name, s] : sets)
    for (const auto& t : s->subgroups) {
      any = true;
      h += "<h3>" + escape(name) + ", by " + escape(t.by) + "</h3>" + minority(t, limit) +
           "<details><summary>every group (rows placed by " + escape(t.placement) +
           (t.outside_rows ? "; " + std::to_string(t.outside_rows) + " rows carry a value no golden group has" : "") +
           ")</summary>" + all_groups(t) + "</details>";
    }
  if (!any) return h + "<p>No subgroups were asked for.</p>\n";
  return h + "<p class=\"caption\">Subgroups of the golden set: k-means clusters of its embeddings (cluster 1 the "
             "largest), a field's values (--group-by) and its labels. Each row of a set is placed in a group by its "
             "own value of the field when it carries one, otherwise by the nearest group centroid. Share ratio: the "
             "set's share over the golden share (1 when the set holds the group as often as the population). "
             "Precision, recall, density and coverage compare the group's golden rows with the set's rows placed in "
             "it, each row keeping the k-NN radius it has in its whole set: a group the set misses has coverage 0. "
             "Bars: golden (blue) and set (orange) shares. Examples are the texts nearest each group's centroid.</p>\n";
}

}  // namespace mop::report
