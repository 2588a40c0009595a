#!/usr/bin/env bash
# An installed lab runs from any folder: `cmake --install` into a temporary prefix, then
# `list` and a scenario from /, with the checkout out of reach of the binary's search.
# Usage: tests/install_test.sh BUILD_DIR
set -euo pipefail
build=$1
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
cd /
lab="$prefix/bin/concurrency-lab"
[[ -f "$prefix/share/concurrency-lab/scenarios/blocking-async.toml" ]] || { echo "scenarios not installed"; exit 1; }
"$lab" --version | grep -q '^concurrency-lab [0-9]' || { echo "--version"; exit 1; }
"$lab" list | grep -q 'blocking-async' || { echo "list does not show the installed scenarios"; exit 1; }
out=$("$lab" scenario blocking-async --requests 4 --ms 20 --format json)
grep -q '"verdict":"serialized"' <<<"$out" || { echo "scenario from / did not run: $out"; exit 1; }
echo "installed lab ran from /"
