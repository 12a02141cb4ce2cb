// The experiment runner's data step: train and golden samples, their labels and contexts.
#include "experiment/runner.h"

#include "mop/dataset.h"

namespace mop::experiment::detail {

data::LoadOptions Runner::load_options(bool labels_required) const {
  data::LoadOptions o;
  o.text_field = c_.data.text;
  o.context_field = c_.data.context;
  if (labels_required) o.label_field = c_.data.label;
  return o;
}

void Runner::prepare_data() {
  const bool labelled = c_.labels.mode != "none";
  step("data: train", train_file(), data_spec(), [&] {
    auto records = data::load(c_.data.train, load_options(labelled)).records;
    if (c_.data.max_train > 0 && records.size() > c_.data.max_train)
      records = labelled ? data::stratified_sample(records, c_.data.max_train, c_.seeds.front())
                         : data::sample(records, c_.data.max_train, c_.seeds.front());
    data::write_jsonl(train_file(), records);
  });
  step("data: golden", golden_file(), data_spec(), [&] {
    auto records = data::load(c_.data.golden, load_options(labelled)).records;
    if (c_.data.max_golden > 0 && records.size() > c_.data.max_golden)
      records = labelled ? data::stratified_sample(records, c_.data.max_golden, c_.seeds.front())
                         : data::sample(records, c_.data.max_golden, c_.seeds.front());
    data::write_jsonl(golden_file(), records);
  });
  data::LoadOptions o;
  if (c_.data.context) o.context_field = "context";
  train_ = data::load(train_file(), o).records;
  golden_ = data::load(golden_file(), o).records;
  resolve_labels();
}

void Runner::resolve_labels() {
  const detail::LabelShares l = detail::resolve_labels(c_, train_);
  names_ = l.names;
  shares_ = l.shares;
}

std::vector<std::string> Runner::contexts_for(const std::optional<std::string>& label) const {
  return detail::contexts_for(c_, golden_, label);
}

}  // namespace mop::experiment::detail
