#!/usr/bin/env bash
# The main window's three tabs under Xvfb, light and dark, in the default
# small window and a wide one (1100 px): docs/screenshots/main-contacts*,
# dialer*, recents*. Recents is filled first with calls of every kind: one
# answered (@echo, starred as a favourite first), one busy (@busy), one cancelled (to Bob, hung up while
# ringing) and one missed (Bob gives up calling Alice).
# TGPHONE_BIN picks the binary (default bin/tgphone).
source "$(dirname "$0")/screenshots-lib.sh"
bin=${TGPHONE_BIN:-bin/tgphone}
xdg_dirs "$tmp"
xvfb 1280x800

# closecalls: hides every call window (the calls have ended), so that the
# next one is the only one shown. Not windowclose: destroying a window
# under GLFW ends the app with GLXBadWindow when GLFW destroys it too.
closecalls() {
  for w in $(xwininfo -root -tree | awk '/"Call with|"Incoming call/ {print $1}'); do xdotool windowunmap "$w" 2>/dev/null || true; done
  sleep 0.5
}
# call TARGET: from Alice's dialer; prints the call window's id.
call() { dial "$a" "$1"; window_prefix "Call with"; }

# Our own sandbox on a free port, which the app finds in the data folder
# (one it started itself would outlive this script).
port=$((47000 + RANDOM % 2000))
while ss -ltn | grep -q ":$port "; do port=$((port + 1)); done
"$bin" sandbox --listen "127.0.0.1:$port" --data "$XDG_DATA_HOME/tgphone/sandbox" >"$tmp/sandbox.json" 2>"$tmp/sandbox.log" & pids+=($!)
until [ -s "$tmp/sandbox.json" ]; do sleep 0.1; done

"$bin" --as alice 2>"$tmp/alice.log" & alice=$!; pids+=($alice)
a=$(window_prefix "tgphone — Alice Archer")
waitlog "$tmp/alice.log" "contacts shown"
sleep 1
focus "$a"
xdotool mousemove --window "$a" 360 310 click 1   # star Echo Test (row 5): favourites go on top

# Missed: Bob calls and gives up while it rings (a stopped headless caller
# hangs up before its connection closes).
"$bin" call --as bob --to @alice --sandbox-dir "$XDG_DATA_HOME/tgphone/sandbox" >"$tmp/bob.json" 2>"$tmp/bob.log" & bobcall=$!
i=$(window_prefix "Incoming call from Bob Baker" 30)
sleep 1
kill -TERM "$bobcall"; wait "$bobcall" || true
waitlog "$tmp/alice.log" "to=missed"
sleep 1
closecalls
# Answered: Echo Test for a few seconds.
c=$(call @echo); sleep 5; focus "$c"; xdotool key ctrl+e; sleep 1.5; closecalls
# Busy.
c=$(call @busy); sleep 3; closecalls
# Cancelled: Bob is not running, so it waits until Alice hangs up.
c=$(call @bob); sleep 2; focus "$c"; xdotool key ctrl+e; sleep 1.5; closecalls
kill -TERM "$alice"; wait "$alice" || true

# take SUFFIX THEME WIDTH HEIGHT: the three tabs in one look and size.
take() {
  FYNE_THEME=$2 "$bin" --as alice 2>"$tmp/alice-$1.log" & alice=$!; pids+=($alice)
  a=$(window_prefix "tgphone — Alice Archer")
  waitlog "$tmp/alice-$1.log" "contacts shown"
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
a=$(window_prefix "tgphone — Alice Archer")
waitlog "$tmp/alice-badge.log" "contacts shown"
sleep 1.5
shot "$a" "main-contacts-missed"
kill -TERM "$alice"; wait "$alice" || true

take "" light 420 620
take -dark dark 420 620
take -wide light 1100 700
take -wide-dark dark 1100 700
