#include "method/token_budget.h"

namespace mop::method {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Ends of words: cut points that keep whole words (the prefix stops before the space).
std::vector<size_t> word_ends(const std::string& t) {
  std::vector<size_t> out;
  for (size_t i = 1; i < t.size(); ++i)
    if (is_space(t[i]) && !is_space(t[i - 1])) out.push_back(i);
  return out;
}

// UTF-8 character boundaries before `end`, for texts whose first word alone is over budget.
std::vector<size_t> char_ends(const std::string& t, size_t end) {
  std::vector<size_t> out;
  for (size_t i = 1; i < end; ++i)
    if ((static_cast<unsigned char>(t[i]) & 0xC0) != 0x80) out.push_back(i);
  return out;
}

// One text's binary search: the largest cut point whose prefix (+ marker) fits. lo is the largest
// index known to fit (-1: none yet), hi the smallest known not to (size: the whole text is over).
struct Search {
  size_t text = 0;
  std::vector<size_t> ends;
  long lo = -1, hi = 0;
  size_t lo_tokens = 0;  // tokens of the cut at lo, measured when it was probed
  bool by_char = false;
  long mid() const { return lo + (hi - lo) / 2; }
  bool open() const { return hi - lo > 1; }
};

}  // namespace

std::vector<Budgeted> fit_to_budget(lm::LanguageModel& lm, const std::vector<std::string>& texts, size_t max_tokens,
                                    const std::string& marker) {
  std::vector<Budgeted> out(texts.size());
  const std::vector<size_t> counts = lm.count_tokens(texts);
  std::vector<Search> searches;
  for (size_t i = 0; i < texts.size(); ++i) {
    out[i] = {texts[i], false, counts[i], counts[i]};
    if (max_tokens == 0 || counts[i] <= max_tokens) continue;
    Search s{i, word_ends(texts[i])};
    s.hi = static_cast<long>(s.ends.size());
    searches.push_back(std::move(s));
  }
  const auto candidate = [&](const Search& s, long k) { return texts[s.text].substr(0, s.ends[static_cast<size_t>(k)]) + marker; };

  std::vector<size_t> open;  // indices into searches still narrowing
  for (size_t s = 0; s < searches.size(); ++s) open.push_back(s);
  while (!open.empty()) {
    std::vector<std::string> probes;
    for (size_t s : open)
      if (searches[s].open()) probes.push_back(candidate(searches[s], searches[s].mid()));
    const std::vector<size_t> probe_counts = probes.empty() ? std::vector<size_t>{} : lm.count_tokens(probes);
    std::vector<size_t> still;
    size_t p = 0;
    for (size_t s : open) {
      Search& q = searches[s];
      if (q.open()) {
        const long m = q.mid();
        const size_t n = probe_counts[p++];
        if (n <= max_tokens) {
          q.lo = m;
          q.lo_tokens = n;
        } else {
          q.hi = m;
        }
      }
      if (q.open()) {
        still.push_back(s);
      } else if (q.lo < 0 && !q.by_char) {
        // Not even the first word fits: cut inside it, at a character boundary.
        const std::string& t = texts[q.text];
        q.by_char = true;
        q.ends = char_ends(t, q.ends.empty() ? t.size() : q.ends.front());
        q.lo = -1;
        q.hi = static_cast<long>(q.ends.size());
        if (q.open()) still.push_back(s);
      }
    }
    open.swap(still);
  }

  // Finished searches: lo is the cut, its length measured when it was probed; where nothing fits,
  // the marker alone.
  for (const auto& s : searches) {
    Budgeted& b = out[s.text];
    b.cut = true;
    b.text = s.lo >= 0 ? candidate(s, s.lo) : marker;
    b.tokens = s.lo >= 0 ? s.lo_tokens : (marker.empty() ? 0 : lm.count_tokens({marker}).front());
  }
  return out;
}

size_t cut_contexts(lm::LanguageModel& lm, std::vector<data::Record>& records, size_t max_tokens) {
  std::vector<std::string> texts;
  std::vector<size_t> with;
  for (size_t i = 0; i < records.size(); ++i)
    if (records[i].context) {
      texts.push_back(*records[i].context);
      with.push_back(i);
    }
  if (texts.empty()) return 0;
  const auto fitted = fit_to_budget(lm, texts, max_tokens, kCutMarker);
  size_t cut = 0;
  for (size_t t = 0; t < texts.size(); ++t)
    if (fitted[t].cut) {
      records[with[t]].context = fitted[t].text;
      ++cut;
    }
  return cut;
}

}  // namespace mop::method
