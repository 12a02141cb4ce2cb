// Loading a set for `mop eval`: records through mop::data, labels only when complete, and the
// persona usage that generated sets carry in their provenance.
#include <algorithm>
#include <cstdlib>
#include <map>

#include "mop/dataset.h"
#include "mop/error.h"
#include "mop/evaluate.h"

namespace mop::eval {

namespace {

// A field's value as text the way mop::data reads role fields: strings as they are, other JSON as
// its JSON text; null, missing or blank read as absent.
std::optional<std::string> field_text(const nlohmann::json& object, const std::string& name) {
  if (!object.is_object()) return std::nullopt;
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) return std::nullopt;
  std::string value = it->is_string() ? it->get<std::string>() : it->dump();
  if (value.find_first_not_of(" \t\r\n\v\f") == std::string::npos) return std::nullopt;
  return value;
}

std::optional<std::string> persona_of(const data::Record& r) {
  if (auto id = field_text(r.extra, "persona_id")) return id;
  if (const auto it = r.extra.find("provenance"); it != r.extra.end()) return field_text(*it, "persona_id");
  return std::nullopt;
}

bool is_integer(const std::string& s) {
  char* end = nullptr;
  std::strtoll(s.c_str(), &end, 10);
  return !s.empty() && *end == '\0';
}

// Numeric ids in numeric order, otherwise text order; rows without an id ("(none)") last.
std::vector<std::pair<std::string, std::size_t>> usage_of(const std::vector<data::Record>& records) {
  std::map<std::string, std::size_t> counts;
  std::size_t without = 0;
  for (const auto& r : records) {
    if (auto id = persona_of(r)) ++counts[*id];
    else ++without;
  }
  std::vector<std::pair<std::string, std::size_t>> out(counts.begin(), counts.end());
  if (out.empty()) return out;
  if (std::all_of(out.begin(), out.end(), [](const auto& p) { return is_integer(p.first); }))
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return std::strtoll(a.first.c_str(), nullptr, 10) < std::strtoll(b.first.c_str(), nullptr, 10);
    });
  if (without > 0) out.emplace_back("(none)", without);
  return out;
}

}  // namespace

EvalSet load_eval_set(const std::filesystem::path& path, const SetLoadOptions& options) {
  if (!std::filesystem::exists(path)) throw Error(path.string() + ": no such file or directory");
  data::LoadOptions lo;
  lo.text_field = options.text_field;
  // A required label field is checked by the loader, so its error names file and line. An optional
  // one other than "label" stays among the extra fields and is read from there.
  if (options.require_labels) lo.label_field = options.label_field;
  const data::LoadResult loaded = data::load(path, lo);

  EvalSet set;
  set.path = path.string();
  set.name = path.filename().string();
  if (set.name.empty()) set.name = path.parent_path().filename().string();  // "dir/"
  std::size_t missing = 0;
  std::vector<std::string> labels;
  for (const auto& r : loaded.records) {
    set.texts.push_back(r.text);
    std::optional<std::string> label =
        (options.require_labels || options.label_field == "label") ? r.label : field_text(r.extra, options.label_field);
    if (label) labels.push_back(std::move(*label));
    else ++missing;
  }
  if (missing == 0) set.labels = std::move(labels);
  else if (missing < loaded.records.size())
    set.label_note = std::to_string(missing) + " of " + std::to_string(loaded.records.size()) +
                     " rows lack the label field \"" + options.label_field + "\"";
  else set.label_note = "no row has the label field \"" + options.label_field + "\"";
  set.persona_usage = usage_of(loaded.records);
  for (const auto& r : loaded.records)
    if (const auto it = r.extra.find("provenance"); it != r.extra.end())
      if (auto run = field_text(*it, "run"); run && std::find(set.runs.begin(), set.runs.end(), *run) == set.runs.end())
        set.runs.push_back(std::move(*run));
  if (!options.group_field.empty()) {
    for (const auto& r : loaded.records) {
      // The field the loader took as the label is in r.label, not among the extra fields.
      std::optional<std::string> v = field_text(r.extra, options.group_field);
      if (!v && options.group_field == lo.label_field.value_or("label")) v = r.label;
      if (!v && options.require_group)
        throw Error(r.source + ":" + std::to_string(r.line) + ": no field \"" + options.group_field +
                    "\" to group by (--group-by needs it in every golden record)");
      set.group_values.push_back(v.value_or(""));
    }
  }
  return set;
}

Classifier parse_classifier(std::string_view name) {
  if (name == "softmax") return Classifier::Softmax;
  if (name == "fasttext") return Classifier::FastText;
  if (name == "distilbert")
    throw Error("classifier 'distilbert' is not available: mop does not fine-tune DistilBERT (the paper's "
                "classifier); use softmax (on embeddings) or fasttext (on texts)");
  throw Error("unknown classifier '" + std::string(name) + "': use softmax or fasttext");
}

std::string_view classifier_name(Classifier classifier) {
  return classifier == Classifier::FastText ? "fasttext" : "softmax";
}

}  // namespace mop::eval
