#!/usr/bin/env bash
# make screenshots: the pictures in docs/screenshots/, each area drawn by its
# own script in light and dark, small and large (screenshots-tabs.sh: the
# main window's tabs; screenshots-call.sh: the call windows and rating;
# screenshots-shell.sh: sign-in, settings, offline; screenshots-accounts.sh:
# the account switcher; screenshots-fa.sh: the call windows in Persian).
# First, the real app
# under Xvfb with two sandbox accounts, driven by the keyboard as a user
# would: Alice calls Bob, Bob answers, they hang up; it prints cold start
# and memory figures and fails if any step does not happen.
source "$(dirname "$0")/screenshots-lib.sh"
xdg_dirs "$tmp"
xvfb 1280x800
rss() { awk '/VmRSS/ {printf "%.0f MiB", $2/1024}' "/proc/$1/status"; }

start=$(date +%s%N)
bin/tgphone --as alice 2>"$tmp/alice.log" & alice=$!; pids+=($alice)
a=$(window "tgphone — Alice Archer" 60)
until grep -q "contacts shown" "$tmp/alice.log"; do sleep 0.05; done   # finer than waitlog: the start-up time is measured
echo "cold start to contacts shown (shared sandbox started by this app): $(( ($(date +%s%N) - start) / 1000000 )) ms"
sleep 1
echo "RSS idle: $(rss $alice)"
bin/tgphone --as bob 2>"$tmp/bob.log" & bob=$!; pids+=($bob)
b=$(window "tgphone — Bob Baker" 60)
xdotool windowmove "$b" 860 0
sleep 1
dial "$a" "@bob"
out_id=$(window "Call with Bob Baker")
in_id=$(window "Incoming call from Alice Archer")
xdotool windowmove "$out_id" 430 0  # beside Alice's main window
xdotool windowmove "$in_id" 860 0   # over Bob's
sleep 1
focus "$in_id"
xdotool key Return                 # Enter answers a ringing call
waitlog "$tmp/alice.log" "to=active"
sleep 2
echo "RSS in call: $(rss $alice)"
focus "$out_id"
xdotool key ctrl+e                 # hang up
waitlog "$tmp/alice.log" "to=ended"
echo "walkthrough: dialled, answered, hung up"
cleanup
trap - EXIT

scripts/screenshots-tabs.sh
scripts/screenshots-call.sh
scripts/screenshots-shell.sh
scripts/screenshots-accounts.sh
scripts/screenshots-fa.sh
