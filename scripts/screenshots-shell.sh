#!/usr/bin/env bash
# scripts/screenshots-shell.sh [BIN]: the app shell under Xvfb — sign-in
# (phone, 2FA error, QR), Settings, the header while offline, and the window
# shown when the sandbox cannot start. Writes PNGs to docs/screenshots/.
# Uses its own data folder and sandbox port, and stops the sandbox it started.
source "$(dirname "$0")/screenshots-lib.sh"
bin=${1:-bin/tgphone}
# the sandbox the first app started
on_cleanup() { [ -f "$tmp/data/tgphone/sandbox/sandbox.pid" ] && kill "$(cat "$tmp/data/tgphone/sandbox/sandbox.pid")" 2>/dev/null || true; }
xdg_dirs "$tmp"
xvfb 1280x800
port=$((20000 + RANDOM % 9000))   # below the ephemeral range (32768–), where busy machines hand out client ports
listen=127.0.0.1:$port

# Sign-in: a fresh profile; the first app starts the shared sandbox.
"$bin" --as "" --sandbox-listen "$listen" 2>"$tmp/signin.log" & s=$!; pids+=($s)
w=$(window tgphone)
waitlog "$tmp/signin.log" "started the sandbox"
sleep 3
focus "$w"
xdotool type --delay 20 "12345"; xdotool key Return
shot "$w" signin-phone 1
xdotool key ctrl+a; xdotool type --delay 20 "+9996620003"; xdotool key Return   # Carol has a 2FA password
# The code step waits for the sandbox to have sent the code: on a loaded
# machine fixed sleeps alone can run ahead of the app.
waitlog "$tmp/data/tgphone/sandbox/sandbox.log" "login code.*9996620003"
sleep 2; xdotool key Return                                                      # the demo code is filled in
sleep 3; xdotool type --delay 20 "not her password"; xdotool key Return
shot "$w" signin-password 4
kill "$s"; wait "$s" 2>/dev/null || true

"$bin" --as "" --sandbox-listen "$listen" 2>"$tmp/qr.log" & q=$!; pids+=($q)
w=$(window tgphone)
sleep 3
focus "$w"
xdotool key Tab Tab space     # phone field → Send code → "Log in with a QR code instead"
shot "$w" signin-qr 2
kill "$q"; wait "$q" 2>/dev/null || true

# Settings, then the header while the sandbox is away.
"$bin" --as alice --sandbox-listen "$listen" 2>"$tmp/alice.log" & a=$!; pids+=($a)
w=$(window "tgphone — Alice Archer")
waitlog "$tmp/alice.log" "contacts shown"
focus "$w"
xdotool key ctrl+comma
st=$(window "tgphone settings")
shot "$st" settings 1
xdotool key Escape
sleep 0.5
spid=$(cat "$tmp/data/tgphone/sandbox/sandbox.pid")
kill "$spid"
shot "$w" offline 2
focus "$w"
xdotool type --delay 30 "bob"; xdotool key Return   # Enter calls the selected contact: refused while offline
shot "$w" offline-dial 1
kill "$a"; wait "$a" 2>/dev/null || true

# The sandbox cannot start: its port is taken by another program (a fresh
# data folder, so no running sandbox is found).
taken=$((port + 1))
python3 -c 'import socket,sys,time; s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(); time.sleep(120)' "$taken" & pids+=($!)
until ss -ltn | grep -q "127.0.0.1:$taken "; do sleep 0.1; done
XDG_DATA_HOME=$tmp/data2 "$bin" --as bob --sandbox-listen "127.0.0.1:$taken" 2>"$tmp/err.log" & e=$!; pids+=($e)
w=$(window "tgphone: the sandbox cannot start")
shot "$w" sandbox-cannot-start 1
