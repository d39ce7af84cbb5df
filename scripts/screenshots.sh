#!/usr/bin/env bash
# make screenshots: the real app under Xvfb with two sandbox accounts; Alice
# calls Bob, Bob answers, they hang up. Writes a PNG of each window to
# docs/screenshots/ and prints cold start and memory figures.
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
shot() { import -window "$1" "$out/$2.png"; echo "wrote $out/$2.png"; }
rss() { awk '/VmRSS/ {printf "%.0f MiB", $2/1024}' "/proc/$1/status"; }
focus() { xdotool windowfocus --sync "$1" 2>/dev/null || xdotool windowfocus "$1"; sleep 0.3; }

start=$(date +%s%N)
bin/tgphone --as alice 2>"$tmp/alice.log" & alice=$!; pids+=($alice)
a=$(window "tgphone — Alice Archer" 60)
until grep -q "contacts shown" "$tmp/alice.log"; do sleep 0.05; done
echo "cold start to contacts shown (sandbox started in-process): $(( ($(date +%s%N) - start) / 1000000 )) ms"
sleep 1
shot "$a" main-contacts
echo "RSS idle: $(rss $alice)"
bin/tgphone --as bob 2>"$tmp/bob.log" & bob=$!; pids+=($bob)
b=$(window "tgphone — Bob Baker" 60)
xdotool windowmove "$b" 860 0
sleep 1

focus "$a"
xdotool mousemove 115 61 click 1   # Dialer tab
sleep 0.5
shot "$a" dialer
xdotool mousemove 200 102 click 1
xdotool type --delay 30 "@bob"
xdotool key Return
out_id=$(window "Call with Bob Baker")
in_id=$(window "Incoming call from Alice Archer")
xdotool windowmove "$out_id" 430 0  # beside Alice's main window
xdotool windowmove "$in_id" 860 0   # over Bob's
sleep 1
shot "$out_id" outgoing-ringing
shot "$in_id" incoming
focus "$in_id"
xdotool key Return                 # Enter answers a ringing call
sleep 5
shot "$out_id" in-call-alice
shot "$in_id" in-call-bob
echo "RSS in call: $(rss $alice)"
focus "$out_id"
xdotool key ctrl+e                 # hang up
sleep 1.5
shot "$out_id" rating
focus "$a"
xdotool mousemove 185 61 click 1   # Recents tab
sleep 1
shot "$a" recents
width=$(xwininfo -id "$a" | awk '/Width:/ {print $2}')
xdotool mousemove $((width - 119)) 21 click 1   # the Settings button, top right
s=$(window "tgphone settings")
sleep 1
shot "$s" settings
# A fresh profile shows the sign-in window; its QR login draws the code.
bin/tgphone --as "" 2>"$tmp/signin.log" & pids+=($!)
n=""   # the title is just "tgphone", which window() would also find in every window's class
until [ -n "$n" ]; do n=$(xwininfo -root -tree | awk '$2 == "\"tgphone\":" {print $1; exit}'); sleep 0.2; done
xdotool windowmove "$n" 430 0
sleep 3
focus "$n"
xdotool mousemove --window "$n" 210 263 click 1   # "Log in with a QR code instead"
sleep 2
shot "$n" signin-qr
