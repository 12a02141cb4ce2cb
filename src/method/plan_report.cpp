// The cost plan in words: a table for the terminal and the same figures as JSON.
#include <cstdio>
#include <set>

#include "mop/cost_plan.h"

namespace mop::method {
namespace {

std::string count(size_t n) {
  // Thousands separated, so 1234567 reads as 1,234,567.
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string duration(double s) {
  char b[32];
  if (s < 60) {
    std::snprintf(b, sizeof b, "%.1f s", s);
  } else {
    const long t = static_cast<long>(s + 0.5);
    std::snprintf(b, sizeof b, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  }
  return b;
}

std::string pad(const std::string& s, size_t width, bool right) {
  if (s.size() >= width) return s;
  return right ? std::string(width - s.size(), ' ') + s : s + std::string(width - s.size(), ' ');
}

nlohmann::json work_json(const LmWork& w) {
  return {{"score", {{"requests", w.score_requests}, {"prompt_tokens", w.score_prompt_tokens},
                     {"prompt_tokens_fed", w.score_prompt_fed}, {"continuation_tokens", w.score_continuation_tokens}}},
          {"generate", {{"requests", w.generate_requests}, {"prompt_tokens", w.generate_prompt_tokens},
                        {"max_new_tokens", w.generate_max_tokens}}}};
}

struct Totals {
  LmWork work;
  double seconds = 0;
  bool unknown = false;
};

Totals totals(const std::vector<PlannedStep>& steps) {
  Totals t;
  for (const auto& s : steps) {
    if (s.status == "done (skipped)") continue;
    t.work += s.work;
    if (s.seconds) t.seconds += *s.seconds;
    else if (!s.work.empty()) t.unknown = true;
  }
  return t;
}

}  // namespace

std::string plan_table(const std::vector<PlannedStep>& steps, const std::map<std::string, LmRates>& rates) {
  const std::vector<std::string> head = {"step", "model", "score req", "score tokens (prompt fed / asked + cont.)",
                                         "gen req", "gen tokens (prompt + at most new)", "est. time", "status"};
  std::vector<std::vector<std::string>> rows;
  const auto row = [&](const std::string& name, const std::string& model, const LmWork& w, const std::string& time,
                       const std::string& status) {
    rows.push_back({name, model, count(w.score_requests),
                    count(w.score_prompt_fed) + " / " + count(w.score_prompt_tokens) + " + " + count(w.score_continuation_tokens),
                    count(w.generate_requests), count(w.generate_prompt_tokens) + " + " + count(w.generate_max_tokens), time,
                    status});
  };
  for (const auto& s : steps)
    row(s.name, s.model, s.work,
        s.status == "done (skipped)" ? "-" : s.seconds ? duration(*s.seconds) : s.work.empty() ? "-" : "unknown", s.status);
  const Totals t = totals(steps);
  row("total (steps to run)", "", t.work, t.unknown ? (t.seconds > 0 ? "unknown (known part " + duration(t.seconds) + ")" : "unknown")
                                                    : duration(t.seconds), "");
  std::vector<size_t> width(head.size());
  for (size_t c = 0; c < head.size(); ++c) {
    width[c] = head[c].size();
    for (const auto& r : rows) width[c] = std::max(width[c], r[c].size());
  }
  const auto line = [&](const std::vector<std::string>& cells) {
    std::string s;
    for (size_t c = 0; c < cells.size(); ++c) {
      const bool right = c >= 2 && c <= 6;
      s += (c ? "  " : "") + pad(cells[c], width[c], right);
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s + "\n";
  };
  std::string out = line(head);
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i + 1 == rows.size()) {
      size_t w = 0;
      for (size_t c : width) w += c + 2;
      out += std::string(w - 2, '-') + "\n";
    }
    out += line(rows[i]);
  }
  // Notes once each, in first-seen order.
  std::set<std::string> seen;
  std::string notes;
  for (const auto& s : steps)
    for (const auto& n : s.notes)
      if (seen.insert(n).second) notes += "  - " + n + "\n";
  if (!notes.empty()) out += "\nnotes:\n" + notes;
  out += "\nrates (from a probe of each model; time = fed prompt tokens x prompt + continuation tokens x continuation\n"
         "+ at most new tokens x generation, so generation time is an upper bound):\n";
  for (const auto& [name, r] : rates) {
    char b[256];
    if (r.known) {
      const std::string generation = r.generate_s > 0 ? ", generation " + std::to_string(static_cast<long>(1 / r.generate_s + 0.5)) + " tokens/s" : "";
      std::snprintf(b, sizeof b, "  %s: prompt %.0f tokens/s, continuation %.0f tokens/s%s; load %.1f s, probe %.1f s\n", name.c_str(),
                    1 / r.prompt_s, 1 / r.continuation_s, generation.c_str(), r.load_s, r.probe_s);
    } else {
      std::snprintf(b, sizeof b, "  %s: unknown (%s)\n", name.c_str(), r.why_unknown.c_str());
    }
    out += b;
  }
  return out;
}

nlohmann::json plan_json(const std::vector<PlannedStep>& steps, const std::map<std::string, LmRates>& rates) {
  nlohmann::json j = {{"steps", nlohmann::json::array()}, {"rates", nlohmann::json::object()}};
  for (const auto& s : steps) {
    nlohmann::json step = {{"name", s.name}, {"model", s.model}, {"status", s.status}, {"notes", s.notes}};
    step.update(work_json(s.work));
    step["seconds"] = s.seconds ? nlohmann::json(*s.seconds) : nlohmann::json();
    j["steps"].push_back(step);
  }
  const Totals t = totals(steps);
  j["total"] = work_json(t.work);
  j["total"]["seconds"] = t.unknown ? nlohmann::json() : nlohmann::json(t.seconds);
  j["total"]["known_seconds"] = t.seconds;
  for (const auto& [name, r] : rates) {
    if (!r.known) {
      j["rates"][name] = {{"known", false}, {"why", r.why_unknown}};
      continue;
    }
    j["rates"][name] = {{"known", true}, {"prompt_tokens_per_s", 1 / r.prompt_s}, {"continuation_tokens_per_s", 1 / r.continuation_s},
                        {"generate_tokens_per_s", r.generate_s > 0 ? nlohmann::json(1 / r.generate_s) : nlohmann::json()}, {"load_s", r.load_s}, {"probe_s", r.probe_s}};
  }
  return j;
}

}  // namespace mop::method
