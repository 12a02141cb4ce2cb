// AttrPrompt's attributes: a user's attribute file, the per-sample draw, and the prompt.
#include <fstream>

#include <nlohmann/json.hpp>

#include "mop/baselines.h"
#include "mop/error.h"
#include "mop/generator.h"
#include "mop/util/jsonl.h"

namespace mop::baselines {

AttributeSet read_attributes(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw Error("cannot open attribute file " + path.string());
  nlohmann::ordered_json j;  // file order is the order the prompt lists them in
  try {
    j = nlohmann::ordered_json::parse(in);
  } catch (const nlohmann::json::exception& e) {  // parse errors and number overflow (1e999)
    throw Error(path.string() + ": not valid JSON (" + util::short_json_error(e.what()) + ")");
  }
  if (!j.is_object() || j.empty())
    throw Error(path.string() + ": expected a JSON object {\"attribute\": [\"value\", ...], ...}");
  AttributeSet set;
  for (const auto& [key, values] : j.items()) {
    const std::string where = path.string() + ": attribute \"" + key + "\": ";
    if (key.empty()) throw Error(path.string() + ": an attribute name is empty");
    if (!values.is_array() || values.empty()) throw Error(where + "expected a non-empty list of strings");
    Attribute a{key, {}};
    for (const auto& v : values) {
      if (!v.is_string() || v.get<std::string>().empty())
        throw Error(where + "every value must be a non-empty string, got " + v.dump());
      a.values.push_back(v.get<std::string>());
    }
    set.push_back(std::move(a));
  }
  return set;
}

DrawnAttributes draw_attributes(const AttributeSet& set, uint64_t seed, size_t index) {
  auto rng = gen::sample_rng(seed, index);
  DrawnAttributes drawn;
  for (const auto& a : set) drawn.emplace_back(a.name, a.values[gen::draw_index(rng, a.values.size())]);
  return drawn;
}

std::string attrprompt_instruction(const method::Domain& d, const DrawnAttributes& drawn,
                                   const std::optional<std::string>& context, const std::string& condition) {
  std::string s = "Write a new " + d.noun;
  if (context && !context->empty()) s += " about " + *context;
  s += " with these attributes:\n";
  for (const auto& [name, value] : drawn) s += "- " + name + ": " + value + "\n";
  if (!condition.empty()) s += condition + " ";
  s += "Reply with the " + d.noun + " only.";
  return s;
}

}  // namespace mop::baselines
