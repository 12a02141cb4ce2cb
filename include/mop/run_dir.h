#pragma once
// A fitted MoP model on disk. Everything `mop simulate` needs, and nothing tied to the language
// model it was fitted with (so a run can be simulated with another model):
//   config.json          every setting, resolved, with data and encoder identities
//   personas.jsonl       id, text, cluster size, member ids
//   exemplars.jsonl      id (pool index), source (training row), record id, context, text (as
//                        shown in prompts; cut and full_tokens when the token budget cut it)
//   encoder.state.json   the encoder's fitted state (GloVe-SIF's common component), if it has one
//   gate.bin             W_x, W_g, W_e and tau (see mop/gate.h), written when training ends
//   train_log.jsonl      one line per epoch
//   checkpoints/         epoch-NNNN.ckpt, written atomically after each epoch
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mop/personas.h"

namespace mop::method {

struct Exemplar {
  int id = 0;            // position in the pool (j)
  size_t source = 0;     // index of the training record it was drawn from
  std::string record_id;
  std::optional<std::string> context;
  std::string text;       // as shown in prompts: cut to the run's token budget when `cut`
  bool cut = false;
  size_t full_tokens = 0; // the uncut text's tokens, when cut
};

class RunDir {
 public:
  explicit RunDir(std::filesystem::path root) : root_(std::move(root)) {}
  const std::filesystem::path& root() const { return root_; }

  std::filesystem::path config() const { return root_ / "config.json"; }
  std::filesystem::path personas() const { return root_ / "personas.jsonl"; }
  std::filesystem::path exemplars() const { return root_ / "exemplars.jsonl"; }
  std::filesystem::path encoder_state() const { return root_ / "encoder.state.json"; }
  std::filesystem::path gate() const { return root_ / "gate.bin"; }
  std::filesystem::path train_log() const { return root_ / "train_log.jsonl"; }
  std::filesystem::path checkpoints() const { return root_ / "checkpoints"; }
  std::filesystem::path checkpoint(int epoch) const;

  void write_config(const nlohmann::json& config) const;
  nlohmann::json read_config() const;
  void write_exemplars(const std::vector<Exemplar>& exemplars) const;
  std::vector<Exemplar> read_exemplars() const;
  // Rewrites the training log atomically with these lines (one per finished epoch).
  void write_log(const std::vector<nlohmann::json>& lines) const;
  // The log's lines (none if there is no log).
  std::vector<nlohmann::json> read_log() const;
  // Checkpoint files, newest epoch first.
  std::vector<std::pair<int, std::filesystem::path>> list_checkpoints() const;

 private:
  std::filesystem::path root_;
};

}  // namespace mop::method
