#!/usr/bin/env bash
# Builds mop a second time with llama.cpp compiled for another x86 instruction set than this
# machine's native one, and runs the tests whose results hang on the CPU kernels there: LM numerics
# (batch invariance, scoring, generation), the baselines built on scores and samples, and the
# kill-and-resume tests. Results may differ between instruction sets in the last bits; what must
# hold on each is that a sequence's results do not depend on its batch (docs/numerics.md).
# Needs what scripts/setup.sh installs and fetches. Exit status: ctest's.
# Options (environment):
#   MOP_CPU_VARIANT  avx2 (x86-64-v3: AVX, AVX2, FMA, F16C, BMI2, no AVX-512), avx (AVX alone),
#                    sse42, or auto (default): avx2 on a CPU with AVX-512, else avx, else sse42.
#   MOP_VARIANT_TESTS  ctest -R regex of the tests to run (default below).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

variant=${MOP_CPU_VARIANT:-auto}
if [ "$variant" = auto ]; then
  if grep -qw avx512f /proc/cpuinfo; then variant=avx2
  elif grep -qw avx2 /proc/cpuinfo; then variant=avx
  else variant=sse42
  fi
fi
# GGML_NATIVE=OFF alone gives ggml's x86-64-v3 set (SSE4.2, AVX, AVX2, FMA, F16C, BMI2).
flags=(-DMOP_NATIVE=OFF -DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF
       -DGGML_AVX_VNNI=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF)
case "$variant" in
  avx2) flags+=(-DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON) ;;
  avx) flags+=(-DGGML_AVX=ON -DGGML_AVX2=OFF -DGGML_FMA=OFF -DGGML_F16C=OFF -DGGML_BMI2=OFF) ;;
  sse42) flags+=(-DGGML_AVX=OFF -DGGML_AVX2=OFF -DGGML_FMA=OFF -DGGML_F16C=OFF -DGGML_BMI2=OFF) ;;
  *) echo "test_cpu_variant: unknown MOP_CPU_VARIANT '$variant' (avx2, avx, sse42 or auto)" >&2; exit 2 ;;
esac
dir=${MOP_VARIANT_DIR:-build-$variant}
tests=${MOP_VARIANT_TESTS:-^(LmCpuKernels|Models/LmInvariance|LmScore|LmGenerate|BaselinePicle|BaselineProgen|CliBaseline|CliLm|Faults)\.}

echo "test_cpu_variant: llama.cpp for $variant in $dir"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMOP_BUILD_BENCH=OFF "${flags[@]}"
cmake --build "$dir" -j "$(nproc)" --target mop mop_unit_tests mop_e2e_tests
"$dir/mop" --version
ctest --test-dir "$dir" -R "$tests" --output-on-failure -j "$(nproc)" --timeout 900
