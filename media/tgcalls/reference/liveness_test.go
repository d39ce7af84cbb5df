package reference

import (
	"testing"
	"time"

	"github.com/tgphone/tgphone/media"
)

// TestMutedPeerStaysUp: tgcalls sends no RTP while muted, and neither does
// tgphone. A peer muted for twice the packet timeout is neither
// "reconnecting" nor failed (ICE and DTLS say it is there), is known to be
// muted rather than silent, and is heard again once it unmutes.
func TestMutedPeerStaysUp(t *testing.T) {
	const timeout = 2 * time.Second
	caller, callee := startCall(t, callOpts{version: "10.0.0", p2p: true, packetTimeout: timeout}, [2]float64{440, 697})
	waitState(t, caller, media.StateConnected)
	waitState(t, callee, media.StateConnected)
	waitPackets(t, callee, 10)

	caller.eng.SetMuted(true)
	for ev := waitState(t, callee, media.StateConnected); !ev.RemoteMuted; ev = waitState(t, callee, media.StateConnected) {
	}
	time.Sleep(200 * time.Millisecond) // packets already in flight
	before := callee.audio.Packets()
	end := time.After(2 * timeout)
	for done := false; !done; {
		select {
		case ev := <-callee.events:
			if ev.State != media.StateConnected {
				t.Fatalf("muted peer: callee went %v (%v)", ev.State, ev.Err)
			}
		case ev := <-caller.events:
			if ev.State != media.StateConnected {
				t.Fatalf("muted side: caller went %v (%v)", ev.State, ev.Err)
			}
		case <-end:
			done = true
		}
	}
	if got := callee.audio.Packets(); got != before {
		t.Errorf("a muted tgphone sent %d audio packets; tgcalls sends none", got-before)
	}
	if st := callee.eng.Stats(); !st.RemoteMuted || st.NoAudio {
		t.Errorf("muted peer: RemoteMuted %v NoAudio %v, want true/false", st.RemoteMuted, st.NoAudio)
	}
	caller.eng.SetMuted(false)
	waitPackets(t, callee, before+25)
	if st := callee.eng.Stats(); st.RemoteMuted {
		t.Error("still RemoteMuted after unmute")
	}
}

// TestPeerGone: when the peer's engine stops, the call fails within the
// packet timeout after ICE stops hearing it (or at once, when DTLS says
// the peer closed).
func TestPeerGone(t *testing.T) {
	caller, callee := startCall(t, callOpts{version: "11.0.0", p2p: true, packetTimeout: 2 * time.Second}, [2]float64{440, 697})
	waitState(t, caller, media.StateConnected)
	waitState(t, callee, media.StateConnected)
	gone := time.Now()
	_ = callee.eng.Close()
	ev := waitState(t, caller, media.StateFailed)
	t.Logf("caller failed %v after the callee closed: %v", time.Since(gone).Round(10*time.Millisecond), ev.Err)
	if ev.Err == nil {
		t.Error("failed without a reason")
	}
}
