#!/usr/bin/env bash
# make cpu-calls: the README's "CPU of one side of a call" figures. Runs ROUNDS
# rounds (default 6) of three clean 22 s calls back to back, each between two
# `tgphone media` processes through a sandbox's reflector, relay only, tone in,
# nothing out, no DSP:
#   2.4.4          60 ms packets (the only size libtgvoip 2.4.4 sends)
#   V2 8.0.0 60 ms --long-frames on both sides: offers without ptime=20, as the
#                  Telegram apps do, so each side sends tgcalls' 60 ms packets
#   V2 8.0.0 20 ms tgphone's default between two tgphones (each offers ptime=20)
# and prints each side's user+system CPU seconds (getrusage via /usr/bin/time)
# and voluntary context switches, the load average before each round, then
# min-max and mean per row. Back to back so that the rows share the machine's
# state: on this virtual machine a wake-up of an idle CPU costs more, so one
# binary reads higher on a near-idle machine than under light load.
#
# BIN=path uses a built binary instead of building one (for A/B runs of two
# builds, run the script once per build and compare rows of the same round).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-6}
dur=${DUR:-22s}
work=$(mktemp -d "${TMPDIR:-/tmp}/tgphone-cpu.XXXXXX")
bin=${BIN:-}
if [ -z "$bin" ]; then
  bin=$work/tgphone
  go build -tags no_animations -o "$bin" .
fi
sandbox_pid=
cleanup() {
  if [ -n "$sandbox_pid" ]; then kill "$sandbox_pid" 2>/dev/null || true; wait "$sandbox_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$bin" sandbox --listen 127.0.0.1:0 --data "$work/sandbox" >"$work/sandbox.json" 2>"$work/sandbox.log" &
sandbox_pid=$!
for _ in $(seq 100); do
  [ -s "$work/sandbox.json" ] && break
  sleep 0.1
done
reflector=$(sed -n 's/.*"reflector":"\([^"]*\)".*/\1/p' "$work/sandbox.json")
if [ -z "$reflector" ]; then
  echo "cpu-calls: the sandbox did not start; its log:" >&2
  cat "$work/sandbox.log" >&2
  exit 1
fi
head -c 256 /dev/urandom >"$work/key"

# call NAME ENGINE ARGS...: one call; appends "NAME cpu_a cpu_b cs_a cs_b" to $work/rows.
call() {
  local name=$1 engine=$2
  shift 2
  local d tag a b
  d=$(mktemp -d "$work/call.XXXX")
  tag=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  if [ "$engine" = legacy ]; then
    a=(--engine legacy --relay "1,${reflector%:*},${reflector##*:},$tag")
    b=("${a[@]}")
  else
    a=(--engine v2 --version 8.0.0 --signal "unix-listen:$d/sig" --turn "$reflector:reflector:$tag")
    b=(--engine v2 --version 8.0.0 --signal "unix:$d/sig" --turn "$reflector:reflector:$tag")
  fi
  /usr/bin/time -f "%U %S %w" -o "$d/a.time" "$bin" media "${a[@]}" --key-file "$work/key" --outgoing \
    --input tone:440 --duration "$dur" "$@" >"$d/a.out" 2>"$d/a.err" &
  local pa=$!
  if [ "$engine" != legacy ]; then
    # The callee dials the caller's signalling socket: wait for it to exist.
    for _ in $(seq 100); do
      [ -S "$d/sig" ] && break
      sleep 0.05
    done
  fi
  /usr/bin/time -f "%U %S %w" -o "$d/b.time" "$bin" media "${b[@]}" --key-file "$work/key" --incoming \
    --input tone:660 --duration "$dur" "$@" >"$d/b.out" 2>"$d/b.err" &
  local pb=$!
  if ! wait "$pa" || ! wait "$pb"; then
    echo "cpu-calls: $name call failed:" >&2
    cat "$d/a.err" "$d/b.err" >&2
    return 1
  fi
  # /usr/bin/time's last line: user, system, voluntary context switches.
  local ta tb
  ta=$(tail -1 "$d/a.time")
  tb=$(tail -1 "$d/b.time")
  echo "$name $(echo "$ta" | awk '{print $1+$2}') $(echo "$tb" | awk '{print $1+$2}') $(echo "$ta" | awk '{print $3}') $(echo "$tb" | awk '{print $3}')" >>"$work/rows"
}

printf '%-18s %-10s %-10s %s\n' "round (load avg)" "2.4.4 60ms" "V2 60ms" "V2 20ms   CPU s caller/callee"
for i in $(seq "$rounds"); do
  load=$(cut -d' ' -f1 /proc/loadavg)
  call "2.4.4-60ms" legacy
  call "v2-60ms" v2 --long-frames
  call "v2-20ms" v2
  tail -3 "$work/rows" | awk -v r="$i" -v l="$load" '{c[NR]=$2"/"$3} END {printf "%-18s %-10s %-10s %s\n", r" ("l")", c[1], c[2], c[3]}'
done
echo
echo "per side: CPU seconds min-max (mean), voluntary context switches min-max"
for name in 2.4.4-60ms v2-60ms v2-20ms; do
  awk -v n="$name" '$1==n {for (i=2;i<=3;i++) {c=$i; s+=c; k++; if (mn==""||c<mn) mn=c; if (c>mx) mx=c}
    for (i=4;i<=5;i++) {w=$i; if (wmn==""||w<wmn) wmn=w; if (w>wmx) wmx=w}}
    END {printf "%-11s %.2f-%.2f (%.2f)  %d-%d\n", n, mn, mx, s/k, wmn, wmx}' "$work/rows"
done
