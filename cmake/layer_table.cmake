# The library's layers, lowest first, each with the layers it may use and its public headers
# (include/mop/...). Read by CMakeLists.txt (one static library per layer, linked to the layers
# it uses) and by check_layers.cmake (every #include of src/ and include/ checked against it).
# A new public header goes in its layer's list; a new layer adds three lines.
set(MOP_LAYERS util data lm embed cluster method eval report baselines experiment)

set(MOP_LAYER_util_USES)
set(MOP_LAYER_util_HEADERS error.h util/atomic_file.h util/json_optional.h util/jsonl.h util/npy.h util/progress.h)
set(MOP_LAYER_data_USES util)
set(MOP_LAYER_data_HEADERS dataset.h)
set(MOP_LAYER_lm_USES util)
set(MOP_LAYER_lm_HEADERS lm.h lm_http.h lm_llama.h lm_open.h)
set(MOP_LAYER_embed_USES util lm)
set(MOP_LAYER_embed_HEADERS embed.h embed_cache.h embed_glove.h embed_open.h)
set(MOP_LAYER_cluster_USES util embed)
set(MOP_LAYER_cluster_HEADERS kmeans.h)
set(MOP_LAYER_method_USES util data lm embed cluster)
set(MOP_LAYER_method_HEADERS cost_plan.h fit_options.h fit_plan.h gate.h generator.h personas.h prompts.h run_dir.h simulator.h trainer.h)
set(MOP_LAYER_eval_USES util data embed cluster)
set(MOP_LAYER_eval_HEADERS eval_store.h evaluate.h influence.h metric_table.h metrics.h)
set(MOP_LAYER_report_USES util data embed eval)
set(MOP_LAYER_report_HEADERS eval_run.h report.h)
set(MOP_LAYER_baselines_USES util data lm embed cluster method eval)
set(MOP_LAYER_baselines_HEADERS baselines.h generators.h)
set(MOP_LAYER_experiment_USES util data lm embed cluster method eval report baselines)
set(MOP_LAYER_experiment_HEADERS experiment.h experiment_plan.h)
