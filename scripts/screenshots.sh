#!/usr/bin/env bash
# make screenshots: the pictures in docs/screenshots/, each area drawn by its
# own script in light and dark, small and large (screenshots-tabs.sh: the
# main window's tabs; screenshots-call.sh: the call windows and rating;
# screenshots-shell.sh: sign-in, settings, offline). First, the real app
# under Xvfb with two sandbox accounts, driven by the keyboard as a user
# would: Alice calls Bob, Bob answers, they hang up; it prints cold start
# and memory figures and fails if any step does not happen.
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/screenshots
mkdir -p "$out"
tmp=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
export XDG_CONFIG_HOME=$tmp/config XDG_DATA_HOME=$tmp/data XDG_CACHE_HOME=$tmp/cache
display=:$((90 + RANDOM % 9))
Xvfb "$display" -screen 0 1280x800x24 >/dev/null 2>&1 & pids+=($!)
export DISPLAY=$display
sleep 1

window() { # window TITLE [timeout s]: waits for a window, prints its id
  local deadline=$((SECONDS + ${2:-30}))
  while ((SECONDS < deadline)); do
    id=$(xwininfo -root -tree | awk -v t="\"$1\"" 'index($0, t) {print $1; exit}')
    [ -n "$id" ] && { echo "$id"; return; }
    sleep 0.2
  done
  echo "no window \"$1\"" >&2; return 1
}
rss() { awk '/VmRSS/ {printf "%.0f MiB", $2/1024}' "/proc/$1/status"; }
focus() { xdotool windowfocus --sync "$1" 2>/dev/null || xdotool windowfocus "$1"; sleep 0.3; }

start=$(date +%s%N)
bin/tgphone --as alice 2>"$tmp/alice.log" & alice=$!; pids+=($alice)
a=$(window "tgphone — Alice Archer" 60)
until grep -q "contacts shown" "$tmp/alice.log"; do sleep 0.05; done
echo "cold start to contacts shown (shared sandbox started by this app): $(( ($(date +%s%N) - start) / 1000000 )) ms"
sleep 1
echo "RSS idle: $(rss $alice)"
bin/tgphone --as bob 2>"$tmp/bob.log" & bob=$!; pids+=($bob)
b=$(window "tgphone — Bob Baker" 60)
xdotool windowmove "$b" 860 0
sleep 1
focus "$a"
xdotool key ctrl+d                 # the Dialer, its number field focused
xdotool type --delay 30 "@bob"
xdotool key Return
out_id=$(window "Call with Bob Baker")
in_id=$(window "Incoming call from Alice Archer")
xdotool windowmove "$out_id" 430 0  # beside Alice's main window
xdotool windowmove "$in_id" 860 0   # over Bob's
sleep 1
focus "$in_id"
xdotool key Return                 # Enter answers a ringing call
until grep -q "to=active" "$tmp/alice.log"; do sleep 0.1; done
sleep 2
echo "RSS in call: $(rss $alice)"
focus "$out_id"
xdotool key ctrl+e                 # hang up
until grep -q "to=ended" "$tmp/alice.log"; do sleep 0.1; done
echo "walkthrough: dialled, answered, hung up"
cleanup
trap - EXIT

scripts/screenshots-tabs.sh
scripts/screenshots-call.sh
scripts/screenshots-shell.sh
