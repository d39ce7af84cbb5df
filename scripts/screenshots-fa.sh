#!/usr/bin/env bash
# The call windows in Persian (right to left) under Xvfb, light and dark:
# Alice calls Bob; Bob's incoming window, Alice's ringing one, then both
# in the call once Bob answers (Bob muted), then Alice's contacts and
# Recents. Writes docs/screenshots/{incoming,outgoing-ringing,in-call-alice,
# in-call-bob,main-contacts,recents}-fa.png and the same with -dark. BIN overrides bin/tgphone.
source "$(dirname "$0")/screenshots-lib.sh"
bin=${BIN:-bin/tgphone}
xvfb 1280x900
unset DBUS_SESSION_BUS_ADDRESS # no notification server here: the windows are the fallback
export TGPHONE_LANG=fa

for theme in light dark; do
  suffix="-fa"; [ "$theme" = dark ] && suffix=-fa-dark
  export FYNE_THEME=$theme
  start_pair "$tmp/$theme"

  dial "$a" "@bob"
  # The titles in Persian, names isolated (U+2066 … U+2069) as tr does.
  out_id=$(window_prefix "تماس با" 60)
  in_id=$(window_prefix "تماس ورودی از" 60)
  xdotool windowmove "$out_id" 430 0
  xdotool windowmove "$in_id" 860 0
  sleep 2   # Bob's photo arrives
  shot "$out_id" "outgoing-ringing$suffix"
  shot "$in_id" "incoming$suffix"
  focus "$in_id"
  xdotool key Return                 # Enter answers a ringing call
  sleep 5
  shot "$out_id" "in-call-alice$suffix"
  focus "$in_id"
  xdotool key ctrl+m                 # Bob mutes: the muted note, a sentence with Alice's name
  sleep 1.5
  shot "$in_id" "in-call-bob$suffix"
  focus "$out_id"
  xdotool key ctrl+e                 # hang up
  sleep 2
  focus "$out_id"
  xdotool key Escape                 # Esc dismisses the rating
  gone "$out_id"
  focus "$a"
  xdotool key ctrl+f Down; sleep 0.5 # a contact row shown selected
  shot "$a" "main-contacts$suffix"
  xdotool key ctrl+r; sleep 1        # Recents: the call just made, with its duration
  shot "$a" "recents$suffix"
  kill "$alice" "$bob"; wait "$alice" "$bob" 2>/dev/null || true
done
