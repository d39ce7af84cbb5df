#!/usr/bin/env bash
# make fuzz: runs every Go fuzz target in the tree for DURATION each
# (default 10m), one at a time, stopping at the first finding.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10m}
grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r file; do
  pkg=./$(dirname "${file#./}")
  for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | cut -d' ' -f2); do
    echo "== $pkg $target ($duration)"
    go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$duration"
  done
done
