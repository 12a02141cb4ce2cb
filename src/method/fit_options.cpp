// The fit settings as stored in config.json (and compared on --resume). Kept apart from the
// trainer so readers of run directories (and their fuzz target) need nothing else.
#include "mop/trainer.h"

namespace mop::method {

nlohmann::json fit_options_to_json(const FitOptions& o) {
  return {{"exemplars", o.n_exemplars}, {"top_m", o.top_m}, {"pair_choice", o.pair_choice},
          {"guided_pairs", o.guided_pairs}, {"guide_weight", o.guide_weight}, {"epochs", o.epochs}, {"batch", o.batch_size},
          {"val_fraction", o.val_fraction}, {"max_val", o.max_val}, {"reference_pairs", o.reference_pairs},
          {"tau_tolerance", o.tau_tolerance}, {"domain", o.domain}, {"seed", o.seed}, {"no_exemplars", o.no_exemplars},
          {"gate", {{"dim_proj", o.gate.dim_proj}, {"tau_init", o.gate.tau_init}, {"tau_min", o.gate.tau_min},
                    {"tau_max", o.gate.tau_max}, {"init_scale", o.gate.init_scale}}},
          {"adam", {{"lr", o.adam.lr}, {"beta1", o.adam.beta1}, {"beta2", o.adam.beta2}, {"eps", o.adam.eps},
                    {"weight_decay", o.adam.weight_decay}}}};
}

}  // namespace mop::method
