#!/usr/bin/env bash
# Fetches llama.cpp's source into third_party/llama.cpp from the npm package node-llama-cpp,
# whose llama/gitRelease.bundle is llama.cpp's full source as a git bundle.
# The version, the bundle's checksum and the commit are pinned here and checked; mop's patches
# (scripts/patches/llama.cpp-*.patch) are applied on top.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

NODE_LLAMA_CPP_VERSION=3.22.1
BUNDLE_SHA256=5f5d1105d5df040738d87b8290e5d17e7362131cdcfdb0831618e0ea528b4a51
LLAMA_COMMIT=de3ff815ea7d559ee917f063901b8986f038abc6   # llama.cpp release tag v0.5.0 (node-llama-cpp's name)

dest="$here/third_party/llama.cpp"
# mop's own changes to it, applied after the checkout (each file says what and why).
patches=("$here"/scripts/patches/llama.cpp-*.patch)

patched() { git -C "$dest" apply --reverse --check "${patches[@]}" 2>/dev/null; }
apply_patches() {
  git -C "$dest" apply "${patches[@]}"
  echo "fetch_llama: applied ${#patches[@]} patch(es) from scripts/patches"
}

if [ -d "$dest/.git" ] && [ "$(git -C "$dest" rev-parse HEAD 2>/dev/null)" = "$LLAMA_COMMIT" ]; then
  if patched; then
    echo "fetch_llama: llama.cpp $LLAMA_COMMIT (patched) already present"
    exit 0
  fi
  if git -C "$dest" diff --quiet; then  # the pinned commit, unpatched (a checkout from before the patches)
    apply_patches
    exit 0
  fi
  echo "fetch_llama: third_party/llama.cpp has changes other than mop's patches; fetching it again"
fi

cache="${MOP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mop}/npm"
mkdir -p "$cache"
tgz="$cache/node-llama-cpp-$NODE_LLAMA_CPP_VERSION.tgz"
if [ ! -f "$tgz" ]; then
  echo "fetch_llama: npm pack node-llama-cpp@$NODE_LLAMA_CPP_VERSION"
  (cd "$cache" && npm pack --silent "node-llama-cpp@$NODE_LLAMA_CPP_VERSION" >/dev/null)
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$tgz" -C "$tmp" package/llama/gitRelease.bundle
bundle="$tmp/package/llama/gitRelease.bundle"
got=$(sha256sum "$bundle" | cut -d' ' -f1)
if [ "$got" != "$BUNDLE_SHA256" ]; then
  echo "fetch_llama: checksum mismatch for gitRelease.bundle: expected $BUNDLE_SHA256, got $got" >&2
  exit 1
fi
rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
git -c advice.detachedHead=false clone --quiet "$bundle" "$dest"
git -C "$dest" -c advice.detachedHead=false checkout --quiet "$LLAMA_COMMIT"
if [ "$(git -C "$dest" rev-parse HEAD)" != "$LLAMA_COMMIT" ]; then
  echo "fetch_llama: llama.cpp commit is not $LLAMA_COMMIT" >&2
  exit 1
fi
apply_patches
echo "fetch_llama: llama.cpp $LLAMA_COMMIT in third_party/llama.cpp"
