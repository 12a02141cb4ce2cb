#!/usr/bin/env bash
# One command that sets up mop on a fresh Debian 12 machine:
#   1. installs the Debian packages the build needs,
#   2. fetches llama.cpp's source from the npm package node-llama-cpp (pinned), checks it,
#   3. configures and builds mop (library, CLI, tests, benchmarks) into build/.
# Re-running is cheap: each step skips work that is already done.
# Options (environment): MOP_BUILD_DIR (default build), MOP_BUILD_TYPE (default Release),
#   MOP_CPU (portable, the default: every x86 CPU variant, chosen at run time; native, avx2, avx,
#   sse42: one, linked in), MOP_CUDA=1 (llama.cpp's CUDA backend, a module that is skipped where no
#   NVIDIA driver is found) with MOP_CUDA_ARCHS (CMAKE_CUDA_ARCHITECTURES, default 90: Hopper),
#   MOP_SKIP_APT=1 (packages already installed).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"

build_dir=${MOP_BUILD_DIR:-build}
build_type=${MOP_BUILD_TYPE:-Release}

if [ "${MOP_SKIP_APT:-0}" != 1 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  pkgs=(build-essential cmake ninja-build git ca-certificates pkg-config
        libeigen3-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev
        libgtest-dev libgmock-dev libbenchmark-dev libssl-dev libcpp-httplib-dev
        libfaiss-dev libopenblas-dev liblapack-dev libsimdjson-dev libyaml-cpp-dev libsqlite3-dev ccache
        libfasttext-dev zlib1g-dev chromium
        clang libclang-rt-14-dev libomp-dev)  # clang: the fuzzers (scripts/fuzz.sh)
  # npm fetches llama.cpp; keep an existing Node.js install (e.g. NodeSource) instead of Debian's.
  command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)
  missing=()
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi

"$here/scripts/fetch_llama.sh"
"$here/scripts/fetch_glove.sh"

# ccache keys on paths relative to the checkout, so a fresh clone reuses earlier compilations.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$here}"
cmake_args=(-S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type")
[ -n "${MOP_CPU:-}" ] && cmake_args+=(-DMOP_CPU="$MOP_CPU")
if [ "${MOP_CUDA:-0}" = 1 ]; then
  # The toolkit's usual prefix, when nvcc is not on PATH already.
  command -v nvcc >/dev/null 2>&1 || export PATH="${CUDA_HOME:-/usr/local/cuda}/bin:$PATH"
  cmake_args+=(-DMOP_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="${MOP_CUDA_ARCHS:-90}")
fi
cmake "${cmake_args[@]}"
cmake --build "$build_dir" -j "$(nproc)"
echo "setup: done. Run the tests with: ctest --test-dir $build_dir --output-on-failure"
