#!/usr/bin/env bash
# The main window's three tabs under Xvfb, light and dark, in the default
# small window and a wide one (1100 px): docs/screenshots/main-contacts*,
# dialer*, recents*. Recents is filled first with calls of every kind: one
# answered (@echo, starred as a favourite first), one busy (@busy), one cancelled (to Bob, hung up while
# ringing) and one missed (Bob gives up calling Alice).
# TGPHONE_BIN picks the binary (default bin/tgphone).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${TGPHONE_BIN:-bin/tgphone}
out=docs/screenshots
mkdir -p "$out"
tmp=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
export XDG_CONFIG_HOME=$tmp/config XDG_DATA_HOME=$tmp/data XDG_CACHE_HOME=$tmp/cache
n=$((140 + RANDOM % 50))   # a display nobody else on this machine uses
while [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ]; do n=$((n + 1)); done
display=:$n
Xvfb "$display" -screen 0 1280x800x24 >/dev/null 2>&1 & pids+=($!)
export DISPLAY=$display
sleep 1

window() { # window TITLE-PREFIX [timeout s]: waits for a window, prints its id
  local deadline=$((SECONDS + ${2:-30}))
  while ((SECONDS < deadline)); do
    id=$(xwininfo -root -tree | awk -v t="\"$1" 'index($0, t) {print $1; exit}')
    [ -n "$id" ] && { echo "$id"; return; }
    sleep 0.2
  done
  echo "no window \"$1\"" >&2; return 1
}
shot() { import -window "$1" "$out/$2.png"; echo "wrote $out/$2.png"; }
focus() { xdotool windowfocus --sync "$1" 2>/dev/null || xdotool windowfocus "$1"; sleep 0.3; }

# closecalls: closes every call window (the calls have ended).
closecalls() {
  for w in $(xwininfo -root -tree | awk '/"Call with|"Incoming call/ {print $1}'); do xdotool windowclose "$w" 2>/dev/null || true; done
  sleep 0.5
}
# dial TARGET: from Alice's dialer; prints the call window's id.
dial() {
  focus "$a"
  xdotool key ctrl+d; sleep 0.3
  xdotool key ctrl+a; xdotool type --delay 20 "$1"; xdotool key Return
  window "Call with"
}

# Our own sandbox on a free port, which the app finds in the data folder
# (one it started itself would outlive this script).
port=$((47000 + RANDOM % 2000))
while ss -ltn | grep -q ":$port "; do port=$((port + 1)); done
"$bin" sandbox --listen "127.0.0.1:$port" --data "$XDG_DATA_HOME/tgphone/sandbox" >"$tmp/sandbox.json" 2>"$tmp/sandbox.log" & pids+=($!)
until [ -s "$tmp/sandbox.json" ]; do sleep 0.1; done

"$bin" --as alice 2>"$tmp/alice.log" & alice=$!; pids+=($alice)
a=$(window "tgphone — Alice Archer" 60)
until grep -q "contacts shown" "$tmp/alice.log"; do sleep 0.05; done
sleep 1
focus "$a"
xdotool mousemove --window "$a" 360 310 click 1   # star Echo Test (row 5): favourites go on top

# Missed: Bob calls and nobody answers until his ring timeout (90 s; the
# headless caller stopped early closes its connection before its discard
# is through, which left Alice's phone ringing).
"$bin" call --as bob --to @alice --sandbox-dir "$XDG_DATA_HOME/tgphone/sandbox" >"$tmp/bob.json" 2>"$tmp/bob.log" & bobcall=$!
i=$(window "Incoming call from Bob Baker" 30)
wait "$bobcall" || true
sleep 2
closecalls
# Answered: Echo Test for a few seconds.
c=$(dial @echo); sleep 5; focus "$c"; xdotool key ctrl+e; sleep 1.5; closecalls
# Busy.
c=$(dial @busy); sleep 3; closecalls
# Cancelled: Bob is not running, so it waits until Alice hangs up.
c=$(dial @bob); sleep 2; focus "$c"; xdotool key ctrl+e; sleep 1.5; closecalls
kill -TERM "$alice"; wait "$alice" || true

# take SUFFIX THEME WIDTH HEIGHT: the three tabs in one look and size.
take() {
  FYNE_THEME=$2 "$bin" --as alice 2>"$tmp/alice-$1.log" & alice=$!; pids+=($alice)
  a=$(window "tgphone — Alice Archer" 60)
  until grep -q "contacts shown" "$tmp/alice-$1.log"; do sleep 0.05; done
  xdotool windowsize "$a" "$3" "$4"; sleep 1
  focus "$a"
  xdotool key ctrl+f Down Down; sleep 0.5   # a row shown selected
  shot "$a" "main-contacts$1"
  xdotool key ctrl+d; sleep 0.5
  shot "$a" "dialer$1"
  xdotool key ctrl+r; sleep 1
  shot "$a" "recents$1"
  kill -TERM "$alice"; wait "$alice" || true
}
# Before the first look at Recents, the tab counts the missed call.
FYNE_THEME=light "$bin" --as alice 2>"$tmp/alice-badge.log" & alice=$!; pids+=($alice)
a=$(window "tgphone — Alice Archer" 60)
until grep -q "contacts shown" "$tmp/alice-badge.log"; do sleep 0.05; done
sleep 1.5
shot "$a" "main-contacts-missed"
kill -TERM "$alice"; wait "$alice" || true

take "" light 420 620
take -dark dark 420 620
take -wide light 1100 700
take -wide-dark dark 1100 700
