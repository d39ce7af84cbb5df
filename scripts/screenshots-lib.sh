# Sourced by scripts/screenshots*.sh: the set-up they share. Sourcing it
# enters the repository's root, makes $tmp (removed on exit, with every
# process in $pids ended; a script may define on_cleanup for more) and
# $out (docs/screenshots), and defines the helpers below.
# shellcheck shell=bash
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=docs/screenshots
mkdir -p "$out"
tmp=$(mktemp -d)
pids=()
cleanup() {
  local rc=$? log
  if [ "$rc" != 0 ]; then # a step failed: the apps' last words before their logs go
    for log in $(find "$tmp" -name '*.log' 2>/dev/null); do
      echo "--- ${log#"$tmp"/} (last lines)" >&2
      tail -n 15 "$log" >&2
    done
  fi
  if declare -F on_cleanup >/dev/null; then on_cleanup; fi
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# xvfb WxH [FIRST]: starts Xvfb on the first display from FIRST on (default
# a random one from 100) that nobody on this machine uses, and exports DISPLAY.
# The display is ours once our Xvfb answers on it and still runs: another
# script starting at the same moment can take the number between the lock
# check and the start, and ours then exits, leaving the apps a display that
# goes away with the other script. (An app that found no display failed
# with "failed to initialise GLFW", then a panic in Fyne's tray.)
xvfb() {
  local n=${2:-$((100 + RANDOM % 100))} pid i
  while :; do
    while [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ]; do n=$((n + 1)); done
    Xvfb ":$n" -screen 0 "$1x24" -nolisten tcp >/dev/null 2>&1 & pid=$!
    for i in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      xwininfo -root -display ":$n" >/dev/null 2>&1 && break
      sleep 0.1
    done
    sleep 0.5
    if kill -0 "$pid" 2>/dev/null && xwininfo -root -display ":$n" >/dev/null 2>&1; then break; fi
    kill "$pid" 2>/dev/null || true
    n=$((n + 1))
  done
  pids+=($pid)
  export DISPLAY=:$n
}

# xdg_dirs DIR: the app's config, data, cache and runtime folders under DIR.
xdg_dirs() {
  export XDG_CONFIG_HOME=$1/config XDG_DATA_HOME=$1/data XDG_CACHE_HOME=$1/cache XDG_RUNTIME_DIR=$1/runtime
  mkdir -p "$XDG_RUNTIME_DIR"
  chmod 700 "$XDG_RUNTIME_DIR"
}

# window TITLE [timeout s]: waits for a shown window titled exactly TITLE,
# prints its id (one made but not yet mapped cannot be captured).
window() { _window "\"$1\"" "$1" "${2:-60}"; }
# window_prefix TITLE [timeout s]: the same for a title that starts with TITLE.
window_prefix() { _window "\"$1" "$1" "${2:-60}"; }
_window() {
  local deadline=$((SECONDS + $3)) id
  while ((SECONDS < deadline)); do
    for id in $(xwininfo -root -tree | awk -v t="$1" 'index($0, t) {print $1}'); do
      if xwininfo -id "$id" 2>/dev/null | grep -q IsViewable; then echo "$id"; return; fi
    done
    sleep 0.2
  done
  echo "no window \"$2\"" >&2
  return 1
}

# gone ID: waits until the window is closed.
gone() { while xwininfo -id "$1" >/dev/null 2>&1; do sleep 0.2; done; }

# shot ID NAME [wait s]: after the wait, the window as $out/NAME.png.
shot() { sleep "${3:-0}"; import -window "$1" "$out/$2.png"; echo "wrote $out/$2.png"; }

focus() { xdotool windowfocus --sync "$1" 2>/dev/null || xdotool windowfocus "$1"; sleep 0.3; }

# dial WINDOW TARGET: in WINDOW's dialer (Ctrl+D), TARGET and Enter.
dial() {
  focus "$1"
  xdotool key ctrl+d; sleep 0.3
  xdotool key ctrl+a; xdotool type --delay 30 "$2"; xdotool key Return
}

# start_pair DIR: Alice's and Bob's apps ($bin), their folders under DIR
# and their logs DIR/alice.log and DIR/bob.log, sharing a sandbox Alice's
# app starts on a port of its own; Bob's window to the right of Alice's.
# Sets alice and bob (their pids, also in pids) and a and b (their windows).
start_pair() {
  local port=$((45000 + RANDOM % 2000))
  mkdir -p "$1"
  xdg_dirs "$1"
  "$bin" --as alice --sandbox-listen "127.0.0.1:$port" 2>"$1/alice.log" & alice=$!; pids+=($alice)
  a=$(window "tgphone — Alice Archer" 60)
  "$bin" --as bob --sandbox-listen "127.0.0.1:$port" 2>"$1/bob.log" & bob=$!; pids+=($bob)
  b=$(window "tgphone — Bob Baker" 60)
  xdotool windowmove "$b" 860 0
  sleep 2
}

# waitlog FILE TEXT: waits until FILE holds TEXT.
waitlog() { until grep -q "$2" "$1"; do sleep 0.1; done; }
