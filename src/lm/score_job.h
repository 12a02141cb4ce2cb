#pragma once
// One score() call (LlamaModel::score): its requests tokenized, then decoded in one of two KV
// layouts: the shared cache (llama_score.cpp), where every continuation's sequence shares its
// prompt's cells, or one stream per continuation (llama_score_streams.cpp, --kv-layout streams),
// where each holds a copy of its prompt's cells and a token attends over its own sequence only.
#include <algorithm>
#include <numeric>
#include <vector>

#include "lm/llama_model.h"
#include "lm/tempered_logprob.h"

namespace mop::lm {

// A continuation in flight: its request, its sequence, and what it decodes.
struct PendingScore {
  size_t request;
  llama_seq_id seq;
  const Tokens* prompt;
  const Tokens* continuation;
  double tau;
};

// Batch slot k predicts token t of the continuation of round[pending].
struct ScoredSlot {
  size_t pending;
  size_t t;
};

inline size_t common_prefix(const Tokens& a, const Tokens& b, size_t limit) {
  size_t n = 0;
  while (n < limit && n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

// Prompt indices in lexicographic token order: neighbours share their longest common prefix.
inline std::vector<size_t> lexicographic_order(const std::vector<Tokens>& prompts) {
  std::vector<size_t> order(prompts.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return prompts[a] < prompts[b]; });
  return order;
}

class LlamaModel::ScoreJob {
 public:
  // Tokenizes and checks every request before the KV cache is touched.
  ScoreJob(LlamaModel& model, const std::vector<ScoreRequest>& requests, const Progress& progress);
  std::vector<Score> run();

 private:
  // What the shared cache needs when no round ends for lack of room: in the job's own order, up
  // to --parallel continuations a round.
  struct SharedPlan {
    size_t sequences = 0;  // the most continuations in one round
    size_t cells = 0;      // the most cells one round takes
    size_t longest = 0;    // the longest prompt + continuation
  };
  void tokenize_requests();
  SharedPlan plan_shared() const;

  // The shared cache (llama_score.cpp).
  void run_shared();
  // Places prompt u's continuations into rounds, moving sequence 0 to the prompt first.
  void add_prompt(size_t u);
  // True when the round has no free sequence or no room for `cells` more cells.
  bool round_full(size_t cells) const;
  // Moves sequence 0 to `prompt` minus its last token: keeps the common prefix, decodes the rest.
  // Flushes the round first when it has no room for that and `need` more cells.
  void move_base(const Tokens& prompt, size_t shared_len, size_t need);
  // Decodes every pending continuation, adds up its token scores, frees its sequence.
  void flush();
  void decode_round();
  // Decodes `batch` and adds each slot's tempered log-probability (and d/dtau) to its request's
  // score; empties batch and slots.
  void score_batch(Batch& batch, std::vector<ScoredSlot>& slots, std::vector<TemperedLogprob>& scored);
  // Adds the scores of `slots`, the rows of the batch just decoded in `ctx`.
  void add_scores(llama_context* ctx, const std::vector<ScoredSlot>& slots, std::vector<TemperedLogprob>& scored);

  // One stream per continuation (llama_score_streams.cpp). False (nothing run) when the model's
  // memory has no streams or the KV budget holds fewer continuations at once in streams than in
  // the shared cache.
  bool run_in_streams();
  // Scores `members` ((prompt, request) pairs in the job's order) together, one stream each.
  void stream_round(const std::vector<std::pair<size_t, size_t>>& members);
  // Moves stream 0 to `prompt` minus its last token, as move_base does in the shared cache.
  void move_stream_base(const Tokens& prompt);
  // Decodes the round's continuations, streams 1.. in order of length, shortest first.
  void decode_stream_round();

  LlamaModel& m_;
  const std::vector<ScoreRequest>& requests_;
  const Progress& progress_;
  std::vector<Score> out_;
  std::vector<Tokens> prompts_;  // one per distinct prompt text
  std::vector<Tokens> continuations_;
  std::vector<std::vector<size_t>> requests_of_;  // [prompt]: its requests, in request order
  llama_memory_t mem_ = nullptr;
  Tokens base_;             // tokens held by sequence 0
  size_t retained_ = 0;     // cells dropped from sequence 0 but still held by this round's copies
  size_t round_cells_ = 0;  // cells the pending continuations will take
  std::vector<PendingScore> round_;
  size_t done_ = 0;
};

}  // namespace mop::lm
