#!/usr/bin/env bash
# The account switcher under Xvfb, light and dark: Alice's app adds Bob
# with the switcher's Add account and the sign-in steps, then the switcher
# is shown open: docs/screenshots/accounts-switcher{,-dark}.png; a call to
# Alice while Bob is shown rings naming her account: accounts-incoming.png.
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
n=$((200 + RANDOM % 50))   # a display nobody else on this machine uses
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
# switcher WINDOW: opens the account menu (the account button, top left).
switcher() { xdotool mousemove --window "$1" 80 28 click 1; sleep 1; }

port=$((49000 + RANDOM % 2000))
while ss -ltn | grep -q ":$port "; do port=$((port + 1)); done
"$bin" sandbox --listen "127.0.0.1:$port" --data "$XDG_DATA_HOME/tgphone/sandbox" >"$tmp/sandbox.json" 2>"$tmp/sandbox.log" & pids+=($!)
until [ -s "$tmp/sandbox.json" ]; do sleep 0.1; done

FYNE_THEME=light "$bin" --as alice 2>"$tmp/alice.log" & alice=$!; pids+=($alice)
a=$(window "tgphone — Alice Archer" 60)
until grep -q "contacts shown" "$tmp/alice.log"; do sleep 0.05; done
sleep 1
focus "$a"
switcher "$a"
# The menu: Alice, a separator, Add account.
xdotool mousemove --window "$a" 80 "${ADD_Y:-100}" click 1
sleep 6   # the new account's connection, then its sign-in steps
xdotool type --delay 20 "+9996620002"; xdotool key Return   # the phone field has the focus
sleep 8
xdotool key Return                                           # the demo code is filled in: sign in
b=$(window "tgphone — Bob Baker" 60)
sleep 2
switcher "$b"
shot "$b" accounts-switcher
xdotool key Escape; sleep 0.5
# Carol calls Alice while Bob is shown: it rings, naming Alice's account.
"$bin" call --as carol --password sandbox-2fa --to @alice --sandbox-dir "$XDG_DATA_HOME/tgphone/sandbox" >"$tmp/carol.json" 2>"$tmp/carol.log" & carol=$!; pids+=($carol)
i=$(window "Incoming call from Carol Clark to Alice Archer" 60)
sleep 1.5
shot "$i" accounts-incoming
kill -TERM "$carol"; wait "$carol" || true
kill -TERM "$alice"; wait "$alice" || true

FYNE_THEME=dark "$bin" --as alice 2>"$tmp/alice-dark.log" & alice=$!; pids+=($alice)
b=$(window "tgphone — Bob Baker" 60)   # the account shown last
until [ "$(grep -c "contacts shown" "$tmp/alice-dark.log")" -ge 2 ]; do sleep 0.05; done
sleep 1
focus "$b"
switcher "$b"
shot "$b" accounts-switcher-dark
kill -TERM "$alice"; wait "$alice" || true
