// The fit settings as stored in config.json (and compared on --resume). Kept apart from the
// trainer so readers of run directories (and their fuzz target) need nothing else.
#include "mop/fit_options.h"

#include "mop/error.h"

namespace mop::method {

nlohmann::json fit_options_to_json(const FitOptions& o) {
  return {{"exemplars", o.n_exemplars}, {"top_m", o.top_m}, {"pair_choice", o.pair_choice},
          {"guided_pairs", o.guided_pairs}, {"guide_weight", o.guide_weight}, {"guide_gate_share", o.guide_gate_share}, {"epochs", o.epochs}, {"batch", o.batch_size},
          {"val_fraction", o.val_fraction}, {"max_val", o.max_val}, {"reference_pairs", o.reference_pairs},
          {"tau_tolerance", o.tau_tolerance}, {"domain", o.domain}, {"seed", o.seed}, {"no_exemplars", o.no_exemplars},
          {"max_exemplar_tokens", o.max_exemplar_tokens}, {"max_response_tokens", o.max_response_tokens},
          {"max_context_tokens", o.max_context_tokens},
          {"long_responses", o.long_responses},
          {"gate", {{"dim_proj", o.gate.dim_proj}, {"tau_init", o.gate.tau_init}, {"tau_min", o.gate.tau_min},
                    {"tau_max", o.gate.tau_max}, {"init_scale", o.gate.init_scale}}},
          {"adam", {{"lr", o.adam.lr}, {"beta1", o.adam.beta1}, {"beta2", o.adam.beta2}, {"eps", o.adam.eps},
                    {"weight_decay", o.adam.weight_decay}}}};
}

namespace {

// Reads j[key] into `into` when present; a value of the wrong kind names the key.
template <class T>
void read(const nlohmann::json& j, const char* key, T& into, const std::string& where) {
  if (!j.contains(key)) return;
  try {
    into = j.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw Error("fit options: \"" + where + key + "\" has the wrong type (" + j.at(key).type_name() + ")");
  }
}

}  // namespace

FitOptions fit_options_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw Error("fit options: expected an object");
  FitOptions o;
  o.pair_choice = "top-m";  // absent only in runs from before the setting: the paper's rule
  o.max_exemplar_tokens = 0;  // likewise: those runs cut nothing
  o.max_response_tokens = 0;
  o.max_context_tokens = 0;
  read(j, "exemplars", o.n_exemplars, "");
  read(j, "top_m", o.top_m, "");
  read(j, "pair_choice", o.pair_choice, "");
  read(j, "guided_pairs", o.guided_pairs, "");
  read(j, "guide_weight", o.guide_weight, "");
  read(j, "guide_gate_share", o.guide_gate_share, "");
  read(j, "epochs", o.epochs, "");
  read(j, "batch", o.batch_size, "");
  read(j, "val_fraction", o.val_fraction, "");
  read(j, "max_val", o.max_val, "");
  read(j, "reference_pairs", o.reference_pairs, "");
  read(j, "tau_tolerance", o.tau_tolerance, "");
  read(j, "domain", o.domain, "");
  read(j, "seed", o.seed, "");
  read(j, "no_exemplars", o.no_exemplars, "");
  read(j, "max_exemplar_tokens", o.max_exemplar_tokens, "");
  read(j, "max_response_tokens", o.max_response_tokens, "");
  read(j, "max_context_tokens", o.max_context_tokens, "");
  read(j, "long_responses", o.long_responses, "");
  if (j.contains("gate")) {
    const auto& g = j.at("gate");
    if (!g.is_object()) throw Error("fit options: \"gate\" must be an object");
    read(g, "dim_proj", o.gate.dim_proj, "gate.");
    read(g, "tau_init", o.gate.tau_init, "gate.");
    read(g, "tau_min", o.gate.tau_min, "gate.");
    read(g, "tau_max", o.gate.tau_max, "gate.");
    read(g, "init_scale", o.gate.init_scale, "gate.");
  }
  o.gate.seed = o.seed;  // fit() seeds the gate with the run's seed
  if (j.contains("adam")) {
    const auto& a = j.at("adam");
    if (!a.is_object()) throw Error("fit options: \"adam\" must be an object");
    read(a, "lr", o.adam.lr, "adam.");
    read(a, "beta1", o.adam.beta1, "adam.");
    read(a, "beta2", o.adam.beta2, "adam.");
    read(a, "eps", o.adam.eps, "adam.");
    read(a, "weight_decay", o.adam.weight_decay, "adam.");
  }
  return o;
}

}  // namespace mop::method
