#!/usr/bin/env bash
# The call windows under Xvfb, in the light and the dark theme: Alice calls
# Bob (ringing, incoming), Bob answers (in call, then muted), Alice's window
# made large, Alice hangs up (rating), Alice calls @busy (the end with Close
# and Call again). Writes docs/screenshots/{incoming,outgoing-ringing,
# in-call-alice,in-call-bob,in-call-muted,in-call-large,rating,call-ended}
# .png and the same with -dark. BIN overrides bin/tgphone.
source "$(dirname "$0")/screenshots-lib.sh"
bin=${BIN:-bin/tgphone}
xvfb 1280x900
unset DBUS_SESSION_BUS_ADDRESS # no notification server here: the windows are the fallback

# rootshot: from the screen, for a window resized since it opened (its own
# capture keeps the old size's black margin under Xvfb).
rootshot() {
  local g; g=$(xwininfo -id "$1" | awk '/Absolute upper-left X/ {x=$4} /Absolute upper-left Y/ {y=$4} /Width:/ {w=$2} /Height:/ {h=$2} END {print w "x" h "+" x "+" y}')
  import -window root -crop "$g" +repage "$out/$2.png"; echo "wrote $out/$2.png"
}

for theme in light dark; do
  suffix=""; [ "$theme" = dark ] && suffix=-dark
  export FYNE_THEME=$theme
  start_pair "$tmp/$theme"

  dial "$a" "@bob"
  out_id=$(window "Call with Bob Baker")
  in_id=$(window "Incoming call from Alice Archer")
  xdotool windowmove "$out_id" 430 0
  xdotool windowmove "$in_id" 860 0
  sleep 2   # Bob's photo arrives
  shot "$out_id" "outgoing-ringing$suffix"
  shot "$in_id" "incoming$suffix"
  focus "$in_id"
  xdotool key Return                 # Enter answers a ringing call
  sleep 5
  shot "$out_id" "in-call-alice$suffix"
  shot "$in_id" "in-call-bob$suffix"
  focus "$in_id"
  xdotool key Tab Tab space          # Bob mutes from the keyboard (Statistics, then Mute; the ring shows
                                     # the focus): his window says so, Alice sees it on his avatar
  sleep 1.5
  shot "$in_id" "in-call-muted$suffix"
  xdotool windowmove "$out_id" 0 0 windowsize "$out_id" 760 860 windowraise "$out_id"
  sleep 2
  xdotool mousemove --window "$out_id" 300 300 mousemove --window "$out_id" 310 310  # a repaint at the new size
  sleep 1.5
  rootshot "$out_id" "in-call-large$suffix"
  xdotool windowsize "$out_id" 400 660 windowraise "$out_id"
  sleep 1
  focus "$out_id"
  xdotool key ctrl+e                 # hang up
  sleep 2
  xdotool key 4                      # four stars: the comment field opens
  sleep 0.5
  rootshot "$out_id" "rating$suffix"
  focus "$out_id"
  xdotool key Escape                 # Esc dismisses the rating
  gone "$out_id"
  sleep 1
  dial "$a" "@busy"
  busy_id=$(window "Call with Busy Line")
  xdotool windowmove "$busy_id" 430 0
  sleep 3
  shot "$busy_id" "call-ended$suffix"
  kill "$alice" "$bob"; wait "$alice" "$bob" 2>/dev/null || true
done
