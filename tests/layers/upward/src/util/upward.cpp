// A util file that reaches up into the method layer: the layer check must refuse it.
#include "method/score_cache.h"
#include "mop/trainer.h"
#include "util/jsonl.h"
