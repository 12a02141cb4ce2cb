#!/usr/bin/env bash
# Fills BUILD/seeds/<target>/ with seed inputs, fresh each run: a few lines of each file in
# SHARED/data (never committed here), hand-made CSV/TSV, and valid gate, checkpoint and .npy files
# written by the fuzz targets themselves (MOP_FUZZ_WRITE_SEEDS, using mop's own writers).
# Usage: make_seeds.sh BUILD SHARED
set -euo pipefail
build=$1 shared=$2
seeds=$build/seeds
rm -rf "$seeds"
mkdir -p "$seeds"/fuzz_{jsonl_records,delimited,utf8,cli_jsonl,run_dir,txt_dir} \
         "$build"/corpus/fuzz_{jsonl_records,delimited,utf8,cli_jsonl,gate,npy,run_dir,glove,txt_dir}

n=0
for f in "$shared"/data/*/*.jsonl; do
  n=$((n + 1))
  head -n 5 "$f" > "$seeds/fuzz_cli_jsonl/data$n"
  # Record loader: first byte picks the options (see fuzz_jsonl_records.cpp).
  { printf '\x00'; head -n 5 "$f"; } > "$seeds/fuzz_jsonl_records/data$n"
  { printf '\x0d'; head -n 5 "$f"; } > "$seeds/fuzz_jsonl_records/data${n}_opts"
  head -n 5 "$f" > "$seeds/fuzz_utf8/data$n"
  # The same rows as CSV (first byte ',' selects comma) and TSV (first byte 1 selects tab).
  { printf ',text,label\n'
    head -n 5 "$f" | sed -n 's/\\"/""/g; s/^{"text": "\(\([^"]\|""\)*\)", .*"label": "\([^"]*\)"}$/"\1",\3/p'
  } > "$seeds/fuzz_delimited/data$n.csv"
  { printf '\x01text\tlabel\n'
    head -n 5 "$f" | sed -n 's/\\"/""/g; s/^{"text": "\(\([^"]\|""\)*\)", .*"label": "\([^"]*\)"}$/"\1"\t\3/p'
  } > "$seeds/fuzz_delimited/data$n.tsv"
  # Run-directory files (byte 0: 1 exemplars, 2 personas JSONL, 3 personas .txt; see fuzz_run_dir.cpp).
  { printf '\x01'; head -n 5 "$f"; } > "$seeds/fuzz_run_dir/exemplars$n"
  { printf '\x02'; head -n 5 "$f"; } > "$seeds/fuzz_run_dir/personas$n"
  { printf '\x03'; head -n 5 "$f" | sed -n 's/^{"text": "\([^"]*\)".*/\1/p'; } > "$seeds/fuzz_run_dir/personas_txt$n"
  # The same texts as a .txt folder: files split at NUL, byte 0 = 2 sub-folders (labels).
  { printf '\x02'; head -n 5 "$f" | sed -n 's/^{"text": "\([^"]*\)".*/\1/p' | tr '\n' '\0'; } > "$seeds/fuzz_txt_dir/data$n"
done
[ "$n" -gt 0 ] || echo "make_seeds: no JSONL files in $shared/data; using hand-made seeds only" >&2

printf ',id,text,label\r\n1,"multi\r\nline, ""quoted""",pos\r\n2,5" screen,neg\r\n' > "$seeds/fuzz_delimited/quoted.csv"
printf '{"prompt": "Hi", "id": "a", "weight": 0.5}\n\n{"prompt": "caf\xc3\xa9 \\u00e9"}\n' > "$seeds/fuzz_cli_jsonl/prompts"
printf 'ascii \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xed\x9f\xbf \xf4\x8f\xbf\xbf' > "$seeds/fuzz_utf8/ranges"

# A config.json as mop fit writes it (byte 0 = 0), and a training log (byte 0 = 4).
printf '\x00{"method":"mixture-of-personas","encoder":"glove-sif:v=abc","personas":4,"records":80,"provenance":{"data":"d.jsonl"},"options":{"exemplars":8,"top_m":2,"epochs":3,"batch":24,"val_fraction":0.1,"max_val":8,"reference_pairs":2,"tau_tolerance":0.05,"domain":"movie","seed":4,"no_exemplars":false,"gate":{"dim_proj":64,"tau_init":1.0,"tau_min":0.3,"tau_max":3.0,"init_scale":0.0},"adam":{"lr":0.01,"beta1":0.9,"beta2":0.999,"eps":1e-08,"weight_decay":0.0}}}\n' > "$seeds/fuzz_run_dir/config"
# A stored evaluation result (byte 0 = 5), as mop eval keeps it in sets/KEY.json.
printf '\x05{"key":"k","result":{"name":"a.jsonl","path":"a.jsonl","overall":{"golden_rows":60,"synthetic_rows":80,"fid":0.31,"mauve":0.92,"frontier_integral":0.05,"kl_cosine":0.012,"macro_f1":null,"mauve_clusters":6,"notes":["macro-F1 skipped"]},"groups":[{"label":"positive","metrics":{"golden_rows":30,"synthetic_rows":40,"fid":0.4,"mauve":null,"frontier_integral":null,"kl_cosine":0.02,"macro_f1":null,"mauve_clusters":0,"notes":[]}}],"kl_detail":{"kl":0.012,"golden_hist":[0.25,0.75],"synthetic_hist":[0.5,0.5],"golden_pairs":1770,"synthetic_pairs":3160},"distance_rows":80,"classifier_rows":0,"persona_usage":[["p1",50],["(none)",30]]}}\n' > "$seeds/fuzz_run_dir/eval_set"
printf '\x04{"epoch":1,"train_loss":3.2,"val_ll":-40.1,"seconds":2.5}\n{"epoch":2,"train_loss":3.1,"val_ll":-39.9,"seconds":2.4}\n' > "$seeds/fuzz_run_dir/train_log"

# Serving engines' answers: the first byte picks the parser (see fuzz_http_answers.cpp).
a=$seeds/fuzz_http_answers
mkdir -p "$a" "$build"/corpus/fuzz_http_answers
printf '\x00{"tokens": [1, 15043, 29892]}' > "$a/tokenize"
printf '\x01{"choices": [{"text": "A fine film.", "finish_reason": "length"}], "usage": {"completion_tokens": 4}}' > "$a/completion"
printf '\x02{"choices": [{"message": {"role": "assistant", "content": "Hi"}, "finish_reason": "stop"}]}' > "$a/chat"
printf '\x0b{"data": [{"index": 1, "embedding": [0.5, -1]}, {"index": 0, "embedding": [1, 2]}]}' > "$a/embeddings"
printf '\x0c{"choices": [{"text": "x", "prompt_logprobs": [null, {"7": {"logprob": -1.5, "rank": 2}, "3": {"logprob": -0.3, "rank": 1}}, {"9": -0.1}]}]}' > "$a/prompt_logprobs"
printf '\x0d{"choices": [{"text": "x", "logprobs": {"tokens": ["Once", " upon"], "token_logprobs": [null, -2.0], "top_logprobs": [null, {" upon": -2.0, " a": -0.5}]}}]}' > "$a/echo"

# Experiment configs: the shipped ones.
mkdir -p "$seeds/fuzz_experiment_config" "$build"/corpus/fuzz_experiment_config
cp "$(dirname "$0")"/../experiments/*.yaml "$seeds/fuzz_experiment_config/"

MOP_FUZZ_WRITE_SEEDS="$seeds/fuzz_gate" "$build/fuzz_gate"
MOP_FUZZ_WRITE_SEEDS="$seeds/fuzz_glove" "$build/fuzz_glove"
MOP_FUZZ_WRITE_SEEDS="$seeds/fuzz_npy" "$build/fuzz_npy"
echo "make_seeds: $(find "$seeds" -type f | wc -l) seed files in $seeds"
