package calling_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tgphone/tgphone/audio"
	"github.com/tgphone/tgphone/calling"
	"github.com/tgphone/tgphone/sandbox/sandboxtest"
)

// TestE2EReflectorV2: with no TURN server handed out and peer-to-peer off,
// a V2 call goes through the sandbox's reflector speaking tgcalls' V2
// reflector protocol, over UDP and over TCP; tones pass both ways, Stats
// show the path, and a 3 s reflector outage mid-call is survived.
func TestE2EReflectorV2(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("whole calls through the reflector")
	}
	for _, tcp := range []bool{false, true} {
		name := map[bool]string{false: "udp", true: "tcp"}[tcp]
		t.Run(name, func(t *testing.T) {
			env := sandboxtest.Start(t, sandboxtest.Options{NoTURN: true, ReflectorTCP: tcp})
			dir := t.TempDir()
			aWAV, bWAV := filepath.Join(dir, "alice.wav"), filepath.Join(dir, "bob.wav")
			alice := newPartyWith(t, env, "alice", "8.0.0", audio.Config{Input: "tone:440", Output: "wav:" + aWAV, Ring: "null"}, calling.P2PNobody)
			bob := newPartyWith(t, env, "bob", "8.0.0", audio.Config{Input: "tone:1000", Output: "wav:" + bWAV, Ring: "null"}, calling.P2PNobody)
			out := alice.dial(t, "@bob")
			in := bob.waitIncoming(t)
			in.Answer()
			answered := time.Now()
			waitState(t, out, "active", func(s calling.Snapshot) bool { return s.State == calling.StateActive })
			t.Logf("%s: answer → active %v", name, time.Since(answered).Round(time.Millisecond))
			time.Sleep(time.Second)
			for _, c := range []*calling.Call{out, in} {
				if p := c.Snapshot().Stats.Path; !strings.HasPrefix(p, "relay (Telegram reflector) ") || !strings.HasSuffix(p, " "+name) {
					t.Errorf("path %q, want relay (Telegram reflector) … %s", p, name)
				}
			}
			env.Reflector.Pause(3 * time.Second)
			time.Sleep(3 * time.Second)
			waitState(t, out, "active after the outage", func(s calling.Snapshot) bool { return s.State == calling.StateActive })
			if !alice.reached(out.Snapshot().ID, calling.StateReconnecting) {
				t.Logf("%s: a 3 s outage did not show reconnecting (states %v)", name, alice.states[out.Snapshot().ID])
			}
			time.Sleep(2 * time.Second) // audio after the outage fills the last part of the recordings
			out.Hangup()
			waitDone(t, out, in)
			if s := out.Snapshot(); s.State != calling.StateEnded {
				t.Errorf("call ended %s (%v)", s.State, s.Err)
			}
			checkHeard(t, aWAV, 1000, 0.7)
			checkHeard(t, bWAV, 440, 0.7)
		})
	}
}
