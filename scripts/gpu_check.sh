#!/usr/bin/env bash
# For a machine with an NVIDIA GPU (and its driver): builds mop with llama.cpp's CUDA backend in
# build-cuda/ (a module of the portable build), shows what mop loaded, runs the LM benchmark with
# every layer offloaded beside llama.cpp's own llama-batched-bench, and times a short fit and
# simulation on SST-2 with the shared story model. Prints figures for docs/benchmarks.md.
# Options (environment): MOP_CUDA_ARCHS (default 90: Hopper; 80 for A100, 89 for Ada),
#   MODEL (a real GGUF for the benchmark beside the story model), MOP_SKIP_BUILD=1.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
dir=build-cuda

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || echo "gpu_check: nvidia-smi not found"
if [ "${MOP_SKIP_BUILD:-0}" != 1 ]; then
  start=$(date +%s)
  MOP_CUDA=1 MOP_BUILD_DIR=$dir MOP_SKIP_APT=${MOP_SKIP_APT:-0} scripts/setup.sh
  echo "gpu_check: build took $(( $(date +%s) - start )) s"
fi
"$dir/mop" --version  # names the CPU variant and, when the driver loads, the GPU

models=(--model "$here/../shared/models/stories260K.gguf")
[ -n "${MODEL:-}" ] && models+=(--model "$MODEL")
"$dir/bench/lm_throughput" "${models[@]}" --threads "$(nproc)" --batched-bench "$dir/bin/llama-batched-bench"

# A short fit and simulation, all layers offloaded (--gpu-layers -1 is the default).
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
data="$here/../shared/data/sst2"
m="${MODEL:-$here/../shared/models/stories260K.gguf}"
time "$dir/mop" personas --data "$data/train.jsonl" --domain movie --k 8 --max-tokens 48 -m "$m" -o "$out/personas.jsonl"
time "$dir/mop" fit --data "$data/train.jsonl" --personas "$out/personas.jsonl" --run "$out/run" -m "$m" \
  --domain movie --max-records 400 --exemplars 32 --top-m 4 --epochs 3 --batch 32
time "$dir/mop" simulate --run "$out/run" -m "$m" -n 200 --max-tokens 48 -o "$out/synthetic.jsonl"
echo "gpu_check: done"
