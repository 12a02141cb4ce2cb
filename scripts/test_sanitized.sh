#!/usr/bin/env bash
# Builds the unit tests with AddressSanitizer + UndefinedBehaviorSanitizer in build-asan/ and runs
# them (ctest -L unit). Only mop's code is instrumented (see cmake/sanitize.cmake); llama.cpp is an
# ordinary Release build. Needs what scripts/setup.sh installs and fetches. Exit status: ctest's.
# Options (environment): MOP_ASAN_DIR (default build-asan), MOP_ASAN_EXCLUDE (ctest -E regex of
#   tests too slow under ASan). The default skips the tests that run faiss k-means: faiss allocates
#   a 16 MB block per search, and ASan maps and poisons each one, so a 0.3 s test takes minutes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dir=${MOP_ASAN_DIR:-build-asan}
jobs=$(nproc)

cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMOP_SANITIZE=ON -DMOP_BUILD_BENCH=OFF
cmake --build "$dir" -j "$jobs" --target mop_unit_tests

# halt_on_error: the first report fails the test; detect_leaks stays on (the default).
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
exclude=${MOP_ASAN_EXCLUDE-^(EvalSuite|Mauve|BaselinePicle|PlantedPopulation)\.}
exclude_args=()
[ -n "$exclude" ] && exclude_args=(-E "$exclude")
ctest --test-dir "$dir" -L unit --output-on-failure -j "$jobs" --timeout 600 "${exclude_args[@]}"
