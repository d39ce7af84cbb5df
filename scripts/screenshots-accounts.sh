#!/usr/bin/env bash
# The account switcher under Xvfb, light and dark: Alice's app adds Bob
# with the switcher's Add account and the sign-in steps; a call from Carol
# to Alice while Bob is shown rings naming her account (accounts-incoming.png)
# and, given up, is a missed call on Alice's line of the switcher, shown
# open with each account's photo or initials: accounts-switcher{,-dark}.png.
# Then the sandbox ends Bob's session while the app is closed: the next
# start shows his sign-in steps saying so (accounts-signed-out.png) and
# lists him as signed out in the switcher (accounts-switcher-signed-out.png).
# TGPHONE_BIN picks the binary (default bin/tgphone).
source "$(dirname "$0")/screenshots-lib.sh"
bin=${TGPHONE_BIN:-bin/tgphone}
xdg_dirs "$tmp"
xvfb 1280x800 200

# switcher WINDOW: opens the switcher (the account button, top left) and
# waits for the avatars' photos.
switcher() { xdotool mousemove --window "$1" 80 28 click 1; sleep 1.5; }

port=$((49000 + RANDOM % 2000))
while ss -ltn | grep -q ":$port "; do port=$((port + 1)); done
data=$XDG_DATA_HOME/tgphone/sandbox
sandbox() {
  "$bin" sandbox --listen "127.0.0.1:$port" --data "$data" >"$tmp/sandbox.json" 2>>"$tmp/sandbox.log" & sandbox_pid=$!; pids+=($sandbox_pid)
  until [ -s "$tmp/sandbox.json" ]; do sleep 0.1; done
}
: >"$tmp/sandbox.json"
sandbox

FYNE_THEME=light "$bin" --as alice 2>"$tmp/alice.log" & alice=$!; pids+=($alice)
a=$(window "tgphone — Alice Archer" 60)
waitlog "$tmp/alice.log" "contacts shown"
sleep 1
focus "$a"
switcher "$a"
# The switcher: Alice, a separator, Add account (its second line).
xdotool mousemove --window "$a" 80 "${ADD_Y:-110}" click 1
sleep 6   # the new account's connection, then its sign-in steps
xdotool type --delay 20 "+9996620002"; xdotool key Return   # the phone field has the focus
sleep 8
xdotool key Return                                           # the demo code is filled in: sign in
b=$(window "tgphone — Bob Baker" 60)
sleep 2
# Carol calls Alice while Bob is shown: it rings, naming Alice's account.
"$bin" call --as carol --password sandbox-2fa --to @alice --sandbox-dir "$data" >"$tmp/carol.json" 2>"$tmp/carol.log" & carol=$!; pids+=($carol)
i=$(window "Incoming call from Carol Clark to Alice Archer" 60)
shot "$i" accounts-incoming 1.5
kill -TERM "$carol"; wait "$carol" || true   # Carol gives up: missed on Alice's account
# The missed call's window stays, saying so: out of the main window's way.
xdotool windowmove "$i" 860 0
sleep 3   # the history's update, then the count
focus "$b"
switcher "$b"
shot "$b" accounts-switcher
xdotool key Escape; sleep 0.5
kill -TERM "$alice"; wait "$alice" || true

FYNE_THEME=dark "$bin" --as alice 2>"$tmp/alice-dark.log" & alice=$!; pids+=($alice)
b=$(window "tgphone — Bob Baker" 60)   # the account shown last
until [ "$(grep -c "contacts shown" "$tmp/alice-dark.log")" -ge 2 ]; do sleep 0.05; done
sleep 2
focus "$b"
switcher "$b"
shot "$b" accounts-switcher-dark
kill -TERM "$alice"; wait "$alice" || true

# The server ends Bob's session while the app is closed, as Terminate
# session on another device does (sandbox.Server.RevokeSessions, here by
# its saved state while it is stopped).
kill -TERM "$sandbox_pid"; wait "$sandbox_pid" || true
python3 - "$data/state.json" <<'EOF'
import json, sys
path = sys.argv[1]
st = json.load(open(path))
n = 0
for k in st["keys"].values():
    if k.get("user_id") == 102:
        k["user_id"], k["revoked"] = 0, True
        n += 1
assert n > 0, "no session of Bob's to end"
json.dump(st, open(path, "w"))
EOF
: >"$tmp/sandbox.json"
sandbox
FYNE_THEME=light "$bin" --as alice 2>"$tmp/alice-out.log" & alice=$!; pids+=($alice)
waitlog "$tmp/alice-out.log" "listed as signed out"
waitlog "$tmp/alice-out.log" "contacts shown"
s=$(window "tgphone" 60)   # Bob, shown last, with his sign-in steps
sleep 1.5
shot "$s" accounts-signed-out
focus "$s"
xdotool key ctrl+1; sleep 1   # Alice
switcher "$s"
shot "$s" accounts-switcher-signed-out
kill -TERM "$alice"; wait "$alice" || true
