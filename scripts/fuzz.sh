#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang in build-fuzz/ and runs each for SECONDS
# (default 20) as the `fuzz` CTest label, seeded from ../shared/data and hand-made inputs.
# A crash fails the test; libFuzzer leaves the input as build-fuzz/fuzz/crash-* (the tests run
# in build-fuzz/fuzz). Usage: scripts/fuzz.sh [SECONDS]
# MOP_FUZZ_RUNS=N runs N inputs per target from a fixed seed instead (what CI does).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds=${1:-20}
dir=${MOP_FUZZ_DIR:-build-fuzz}

CC=clang CXX=clang++ cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMOP_FUZZ=ON \
  -DMOP_BUILD_TESTS=OFF -DMOP_BUILD_BENCH=OFF -DMOP_FUZZ_SECONDS="$seconds" -DMOP_FUZZ_RUNS="${MOP_FUZZ_RUNS:-0}"
cmake --build "$dir" -j "$(nproc)" --target mop_fuzz
# libFuzzer is single-threaded: ctest -j runs the targets side by side, one per core.
ctest --test-dir "$dir" -L fuzz --output-on-failure -j "$(nproc)"
