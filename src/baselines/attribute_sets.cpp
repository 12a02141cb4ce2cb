// AttrPrompt's built-in attribute sets, written for mop (one per domain). Values are phrased to be
// read after "- name: " in the prompt.
#include "mop/baselines.h"
#include "mop/error.h"

namespace mop::baselines {
namespace {

const std::vector<std::string> kLength = {"one short sentence", "two sentences", "about 50 words", "about 100 words",
                                          "about 150 words", "about 250 words", "a long piece of about 400 words"};

const std::vector<std::pair<std::string, AttributeSet>>& sets() {
  static const std::vector<std::pair<std::string, AttributeSet>> all = {
      {"news",
       {{"subtopic", {"national politics", "international relations", "financial markets", "corporate earnings",
                      "technology companies", "scientific research", "public health", "professional sports",
                      "climate and environment", "crime and courts"}},
        {"length", kLength},
        {"style", {"straight breaking-news report", "in-depth analysis", "short wire brief", "feature story",
                   "interview-based report", "opinion column", "explainer with background"}},
        {"location", {"North America", "South America", "Western Europe", "Eastern Europe", "the Middle East",
                      "Africa", "South Asia", "East Asia", "Australia", "a small town"}}}},
      {"movie",
       {{"genre", {"drama", "comedy", "action", "horror", "romance", "science fiction", "documentary", "animation",
                   "thriller", "musical"}},
        {"subtopic", {"the acting", "the plot", "the direction", "the screenplay and dialogue", "the cinematography",
                      "the soundtrack", "the pacing", "the ending", "the special effects"}},
        {"length", kLength},
        {"style", {"enthusiastic fan", "professional critic", "sarcastic", "casual and conversational",
                   "analytical", "disappointed viewer", "nostalgic"}}}},
      {"restaurant",
       {{"cuisine", {"Italian", "Mexican", "Chinese", "Japanese", "Indian", "Thai", "American diner", "French",
                     "Mediterranean", "vegan"}},
        {"subtopic", {"the food quality", "the service", "the prices", "the atmosphere", "the wait time",
                      "the cleanliness", "the portion sizes", "the drinks", "the location and parking"}},
        {"length", kLength},
        {"style", {"enthusiastic regular", "first-time visitor", "food critic", "frustrated customer",
                   "family with children", "casual and chatty", "brief and to the point"}}}},
      {"generic",
       {{"subtopic", {"daily life", "work", "travel", "technology", "family", "health", "hobbies", "money",
                      "education", "entertainment"}},
        {"length", kLength},
        {"style", {"formal", "casual", "humorous", "emotional", "matter-of-fact", "persuasive", "descriptive"}}}},
  };
  return all;
}

}  // namespace

const AttributeSet& domain_attributes(const std::string& domain) {
  for (const auto& [name, set] : sets())
    if (name == domain) return set;
  method::domain_by_name(domain);  // throws naming the domains
  throw Error("no attribute set for domain '" + domain + "'");
}

}  // namespace mop::baselines
