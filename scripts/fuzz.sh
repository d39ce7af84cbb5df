#!/usr/bin/env bash
# make fuzz: runs every Go fuzz target in the tree for DURATION each
# (default 10m), JOBS targets at a time with one fuzzing worker each
# (default 1 target with all cores). Prints each target's final exec count;
# exits non-zero if any target found a failing input (saved under testdata/fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10m}
jobs=${2:-1}
parallel=()
if [ "$jobs" -gt 1 ]; then parallel=(-parallel 1); fi
targets=$(grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r file; do
  for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | cut -d' ' -f2); do
    echo "./$(dirname "${file#./}") $target"
  done
done)
go test -count=1 -run '^$' $(echo "$targets" | cut -d' ' -f1 | sort -u) >/dev/null # build once, warm the cache
export duration
echo "$targets" | xargs -P "$jobs" -L 1 bash -c '
  out=$(go test "$0" -run "^\$" -fuzz "^$1\$" -fuzztime "$duration" '"${parallel[*]:-}"' 2>&1) && rc=0 || rc=$?
  last=$(printf "%s\n" "$out" | grep "execs:" | tail -1 | sed "s/.*\(execs: [0-9]*\).*/\1/")
  if [ $rc -eq 0 ]; then echo "ok   $0 $1 ($duration, $last)"; else printf "FAIL %s %s\n%s\n" "$0" "$1" "$out"; exit 255; fi'
