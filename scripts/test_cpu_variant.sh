#!/usr/bin/env bash
# Runs the tests whose results hang on the CPU kernels (LM numerics: batch invariance, scoring,
# generation; the baselines built on scores and samples; kill-and-rerun) with llama.cpp's code
# for another x86 instruction set than the one this machine would pick. Results may differ between
# instruction sets in the last bits; what must hold on each is that a sequence's results do not
# depend on its batch (docs/numerics.md). Exit status: ctest's.
#
# A portable build (MOP_CPU=portable, the default) carries every CPU variant: the tests run on the
# same build with MOP_CPU_VARIANT set. A static build (MOP_CPU=native, ...) is built a second
# time in build-VARIANT/ for the other instruction set.
# Options (environment):
#   MOP_BUILD_DIR      the build to test (default build)
#   MOP_CPU_VARIANT    the variant: haswell (AVX2, FMA, F16C, BMI2, no AVX-512: x86-64-v3),
#                      sandybridge (AVX alone), sse42, x64, ... (portable build: any module in
#                      build/bin), or auto (default): haswell on a CPU with AVX-512, else sandybridge
#   MOP_VARIANT_TESTS  ctest -R regex of the tests to run (default below)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

build=${MOP_BUILD_DIR:-build}
variant=${MOP_CPU_VARIANT:-auto}
if [ "$variant" = auto ]; then
  if grep -qw avx512f /proc/cpuinfo; then variant=haswell; else variant=sandybridge; fi
fi
tests=${MOP_VARIANT_TESTS:-^(LmCpuKernels|Models/LmInvariance|LmScore|LmGenerate|BaselinePicle|BaselineProgen|CliBaseline|CliLm|Faults)\.}

if ls "$build"/bin/libggml-cpu-*.so >/dev/null 2>&1; then
  echo "test_cpu_variant: CPU variant $variant of the portable build in $build"
  export MOP_CPU_VARIANT=$variant
  "$build/mop" --version
  ctest --test-dir "$build" -R "$tests" --output-on-failure -j "$(nproc)" --timeout 900
  exit
fi

# A static build: the same instruction sets, as MOP_CPU names them.
case "$variant" in
  haswell) cpu=avx2 ;;
  sandybridge) cpu=avx ;;
  sse42) cpu=sse42 ;;
  *) echo "test_cpu_variant: a static build can be redone for haswell, sandybridge or sse42, not '$variant'" >&2; exit 2 ;;
esac
dir=build-$cpu
echo "test_cpu_variant: llama.cpp for $cpu in $dir"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMOP_BUILD_BENCH=OFF -DMOP_CPU="$cpu"
cmake --build "$dir" -j "$(nproc)" --target mop mop_unit_tests mop_e2e_tests
"$dir/mop" --version
ctest --test-dir "$dir" -R "$tests" --output-on-failure -j "$(nproc)" --timeout 900
