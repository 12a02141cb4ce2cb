#pragma once
// Per-set results kept between evaluations. MAUVE takes a minute or more per set at 5,000 rows, so
// an evaluation of many sets is a long run: with a store, a run killed part-way continues where it
// stopped, and adding a set to an evaluation computes only that set. A result is found by a key
// that hashes everything the comparison reads (both sets' names, texts, labels and embeddings, the
// metric settings and the code version), so a stored result is never used for other inputs.
#include <filesystem>
#include <optional>
#include <string>

#include "mop/evaluate.h"

namespace mop::eval {

class ResultStore {
 public:
  virtual ~ResultStore() = default;
  // The result stored under key, if any (an unreadable entry counts as none).
  virtual std::optional<SetResult> find(const std::string& key) = 0;
  virtual void keep(const std::string& key, const SetResult& result) = 0;
};

// One JSON file per result in a folder (KEY.json, written atomically). With reuse false it finds
// nothing but still keeps what is computed (a fresh evaluation that later runs can reuse).
class DirectoryStore : public ResultStore {
 public:
  explicit DirectoryStore(std::filesystem::path dir, bool reuse = true) : dir_(std::move(dir)), reuse_(reuse) {}
  std::optional<SetResult> find(const std::string& key) override;
  void keep(const std::string& key, const SetResult& result) override;

 private:
  std::filesystem::path dir_;
  bool reuse_;
};

// A SetResult as JSON and back, exactly (doubles round-trip). from_json throws on a malformed object.
nlohmann::json set_result_to_json(const SetResult& r);
SetResult set_result_from_json(const nlohmann::json& j);
// One subgroup table, as the stored results and metrics.json write it.
nlohmann::json subgroup_table_to_json(const SubgroupTable& t);
SubgroupTable subgroup_table_from_json(const nlohmann::json& j);

}  // namespace mop::eval
