#!/usr/bin/env bash
# The main job end to end on real data: personas -> fit -> simulate -> eval, on SST-2.
# MODEL defaults to the small shared model so it runs in a few minutes on a laptop CPU; give a
# real instruction model for meaningful text:  MODEL=path/to/Llama-3-8B-Instruct.Q4_K_M.gguf scripts/demo.sh
# Everything lands in ${OUT:-runs/demo}. Rerunning continues where it stopped.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mop="$here/build/mop"
data="${DATA:-$here/../shared/data/sst2}"
model="${MODEL:-$here/../shared/models/stories260K.gguf}"
out="${OUT:-runs/demo}"
k="${K:-8}"
n="${N:-200}"
mkdir -p "$out"

[ -f "$out/personas.jsonl" ] || "$mop" personas --data "$data/train.jsonl" --domain movie --k "$k" --max-tokens 48 \
  -m "$model" -o "$out/personas.jsonl"
if [ ! -f "$out/run/gate.bin" ]; then
  resume=""; [ -f "$out/run/config.json" ] && resume="--resume"
  "$mop" fit --data "$data/train.jsonl" --personas "$out/personas.jsonl" --run "$out/run" -m "$model" \
    --domain movie --max-records 400 --exemplars 32 --top-m 4 --epochs 3 --batch 32 $resume
fi
"$mop" simulate --run "$out/run" -m "$model" -n "$n" --max-tokens 48 -o "$out/synthetic.jsonl"
"$mop" eval --golden "$data/test.jsonl" --synthetic "$out/synthetic.jsonl" --out "$out/eval" --mauve-clusters 10
echo "demo: report in $out/eval/report.html"
