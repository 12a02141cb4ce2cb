// The paper's tables from one evaluation: values are means over seeds (with the standard deviation
// when there are several seeds).
#include <cmath>
#include <cstdio>
#include <map>

#include "mop/experiment.h"
#include "mop/metric_table.h"

namespace mop::experiment {
namespace {

// Which of the metric table's experiment columns a table shows.
enum class Columns { Distances, Downstream, All };

bool shows(Columns which, const eval::MetricColumn& c) {
  if (!c.experiment_tables) return false;
  if (which == Columns::Distances) return !c.downstream;
  if (which == Columns::Downstream) return c.downstream;
  return true;
}

// Overall rows of the evaluation by set name.
std::map<std::string, nlohmann::json> rows_by_set(const nlohmann::json& metrics, const char* role) {
  std::map<std::string, nlohmann::json> out;
  for (const auto& r : metrics.at("rows"))
    if (r.value("role", "") == role && r.at("group").is_null()) out[r.at("set").get<std::string>()] = r;
  return out;
}

// mean, sd and count of one metric over the seeds' rows; null values are skipped.
nlohmann::json summarize(const std::vector<const nlohmann::json*>& rows, const std::string& key) {
  std::vector<double> v;
  for (const auto* r : rows)
    if (r->contains(key) && (*r)[key].is_number()) v.push_back((*r)[key].get<double>());
  if (v.empty()) return nullptr;
  double mean = 0;
  for (double x : v) mean += x / static_cast<double>(v.size());
  double var = 0;
  for (double x : v) var += (x - mean) * (x - mean);
  nlohmann::json j = {{"mean", mean}, {"n", v.size()}};
  if (v.size() > 1) j["sd"] = std::sqrt(var / static_cast<double>(v.size() - 1));
  return j;
}

nlohmann::json table(const std::string& title, Columns which, const std::vector<std::pair<std::string, std::vector<const nlohmann::json*>>>& rows,
                     const std::string& first_column) {
  nlohmann::json t = {{"title", title}, {"first_column", first_column}, {"columns", nlohmann::json::array()},
                      {"rows", nlohmann::json::array()}};
  for (const auto& c : eval::kMetricTable)
    if (shows(which, c)) t["columns"].push_back({{"key", c.name}, {"title", c.header()}});
  for (const auto& [name, rs] : rows) {
    nlohmann::json row = {{"name", name}};
    for (const auto& col : t["columns"]) {
      const auto key = col["key"].get<std::string>();
      row[key] = summarize(rs, key);
    }
    t["rows"].push_back(row);
  }
  return t;
}

std::string cell(const eval::MetricColumn& c, const nlohmann::json& v) {
  if (v.is_null()) return "—";
  std::string s = c.format(v.at("mean").get<double>());
  if (v.contains("sd")) s += " ± " + c.format(v.at("sd").get<double>());
  return s;
}

// The fitted gates' health (trainer.h EpochReport): the figures mop fit prints, one row per gate,
// with the collapse mop fit warns about (fewer than 2 effective personas of 8 or more).
nlohmann::json fit_health_table(const nlohmann::json& fits) {
  nlohmann::json t = {{"title", "Fit health: the fitted gates at their last epoch"}, {"rows", nlohmann::json::array()}};
  for (const auto& f : fits) {
    nlohmann::json row = f;
    const double eff = f.value("effective_personas", 0.0);
    row["collapsed"] = f.value("personas", 0) >= 8 && eff < 2;
    t["rows"].push_back(row);
  }
  return t;
}

std::string fit_health_markdown(const nlohmann::json& t) {
  std::string md = "\n## " + t["title"].get<std::string>() +
                   "\n\n| gate | personas | effective personas | exemplars per persona | τ range | records on one "
                   "persona | val ll | collapsed |\n|---|---:|---:|---:|---|---:|---:|---|\n";
  auto num = [](const nlohmann::json& row, const char* key, const char* fmt) {
    if (!row.contains(key) || !row[key].is_number()) return std::string("—");
    char buf[32];
    std::snprintf(buf, sizeof buf, fmt, row[key].get<double>());
    return std::string(buf);
  };
  for (const auto& r : t["rows"])
    md += "| " + r.value("name", "") + " | " + std::to_string(r.value("personas", 0)) + " | " +
          num(r, "effective_personas", "%.2f") + " | " + num(r, "exemplars_per_persona", "%.2f") + " | " +
          num(r, "tau_min", "%.2f") + "–" + num(r, "tau_max", "%.2f") + " | " + num(r, "one_persona_share", "%.3f") +
          " | " + num(r, "val_ll", "%.4f") + " | " + (r.value("collapsed", false) ? "**yes**" : "no") + " |\n";
  return md;
}

}  // namespace

nlohmann::json make_tables(const Config& c, const std::vector<SetPlan>& sets, const nlohmann::json& metrics,
                           const nlohmann::json& fit_health) {
  const auto synthetic = rows_by_set(metrics, "synthetic");
  const auto ceiling = rows_by_set(metrics, "ceiling");
  // Rows of each set name without its seed suffix, in plan order.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const nlohmann::json*>> by_name;
  std::map<std::string, SetPlan> plan_of;
  for (const auto& s : sets) {
    const std::string base = s.name.substr(0, s.name.find("@seed"));
    if (!by_name.count(base)) order.push_back(base);
    auto& rows = by_name[base];
    if (auto it = synthetic.find(s.name); it != synthetic.end()) rows.push_back(&it->second);
    plan_of.emplace(base, s);
  }
  auto select = [&](auto&& keep) {
    std::vector<std::pair<std::string, std::vector<const nlohmann::json*>>> rows;
    for (const auto& name : order)
      if (keep(plan_of.at(name))) rows.emplace_back(name, by_name[name]);
    return rows;
  };
  const auto methods = select([](const SetPlan& p) { return p.variant == Variant::none; });

  nlohmann::json tables = nlohmann::json::object();
  tables["table1"] = table("Table 1: distance to the golden set", Columns::Distances, methods, "method");
  auto f1_rows = methods;
  for (const auto& [name, row] : ceiling) f1_rows.emplace_back("real training data (ceiling)", std::vector{&row});
  tables["table2"] = table("Table 2: downstream macro-F1 of a classifier trained on each set", Columns::Downstream, f1_rows, "method");

  // Table 3: gates fitted with one model, simulated with another; the diagonal of the main model is MoP.
  auto transfer = select([](const SetPlan& p) { return p.variant == Variant::transfer; });
  if (!c.transfer_fit.empty()) {
    for (auto& [name, rows] : transfer) {
      const auto& p = plan_of.at(name);
      name = "fit " + p.fit_model + " → simulate " + p.simulate_model;
    }
    const std::string main = c.models.front().name;
    for (const auto& f : c.transfer_fit)
      for (const auto& s : c.transfer_simulate)
        if (f == main && s == main && by_name.count("mop"))
          transfer.insert(transfer.begin(), {"fit " + main + " → simulate " + main + " (mop)", by_name["mop"]});
    tables["table3"] = table("Table 3: transfer (fit with one model, simulate with another)", Columns::All, transfer, "fit → simulate");
  }
  if (!c.ablations.empty()) {
    auto rows = select([](const SetPlan& p) { return is_ablation(p.variant); });
    if (by_name.count("mop")) rows.insert(rows.begin(), {"mop (full)", by_name["mop"]});
    tables["table4"] = table("Table 4: ablations", Columns::All, rows, "variant");
  }
  if (!c.mixing.empty()) {
    auto rows = select([](const SetPlan& p) { return p.variant == Variant::mix; });
    for (auto& [name, r] : rows) name = "L = " + std::to_string(plan_of.at(name).mix);
    if (by_name.count("mop")) rows.insert(rows.begin(), {"L = 1 (mop)", by_name["mop"]});
    tables["table5"] = table("Table 5: persona mixing", Columns::All, rows, "personas mixed");
  }
  if (fit_health.is_array() && !fit_health.empty()) tables["fit_health"] = fit_health_table(fit_health);
  return tables;
}

std::string tables_markdown(const Config& c, const nlohmann::json& tables) {
  std::string md = "# Experiment " + c.name + "\n\n";
  md += "Models:";
  for (const auto& m : c.models) md += " `" + m.name + "` (" + m.identity() + ")";
  md += ". Domain " + c.domain + ", encoder " + c.encoder + ", " + std::to_string(c.samples) + " samples per set, " +
        std::to_string(c.seeds.size()) + (c.seeds.size() == 1 ? " seed" : " seeds (mean ± sd)") +
        ". Every set is compared with the golden set in one evaluation: see eval/metrics.md and eval/report.html.\n";
  for (const char* key : {"table1", "table2", "table3", "table4", "table5"}) {
    if (!tables.contains(key)) continue;
    const auto& t = tables[key];
    md += "\n## " + t["title"].get<std::string>() + "\n\n| " + t["first_column"].get<std::string>() + " |";
    std::string rule = "|---|";
    for (const auto& col : t["columns"]) {
      md += " " + col["title"].get<std::string>() + " |";
      rule += "---:|";
    }
    md += "\n" + rule + "\n";
    for (const auto& row : t["rows"]) {
      md += "| " + row["name"].get<std::string>() + " |";
      for (const auto& col : t["columns"]) {
        const auto key = col["key"].get<std::string>();
        md += " " + cell(eval::metric_column(key), row[key]) + " |";
      }
      md += "\n";
    }
  }
  if (tables.contains("fit_health")) md += fit_health_markdown(tables["fit_health"]);
  return md;
}

}  // namespace mop::experiment
