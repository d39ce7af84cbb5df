package tgcalls

import (
	"testing"
	"time"

	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/media/tgcalls/internal/housekeep"
)

// TestMutedPeerStaysUp: tgcalls sends no RTP while muted. A peer muted for
// twice the packet timeout is neither "reconnecting" nor failed, is known to
// be muted rather than silent, and is heard again once it unmutes.
func TestMutedPeerStaysUp(t *testing.T) {
	const timeout = 3 * time.Second
	caller, callee := startCall(t, callOpts{p2p: true, packetTimeout: timeout}, [2]float64{440, 697})
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

// TestNoAudioIsVisible: a call whose peer, not muted, sends no audio is up
// on ICE and DTLS but silent; Stats says so after housekeep.NoAudioAfter, while the
// other direction is fine.
func TestNoAudioIsVisible(t *testing.T) {
	caller, callee := startCall(t, callOpts{p2p: true, noMic: [2]bool{true, false}}, [2]float64{440, 697})
	waitState(t, caller, media.StateConnected)
	waitState(t, callee, media.StateConnected)
	waitPackets(t, caller, 10)
	if st := callee.eng.Stats(); st.NoAudio {
		t.Error("NoAudio at once; want it only after a few seconds")
	}
	deadline := time.Now().Add(housekeep.NoAudioAfter + 10*time.Second)
	for !callee.eng.Stats().NoAudio {
		if time.Now().After(deadline) {
			t.Fatalf("no audio for %v, Stats.NoAudio still false", housekeep.NoAudioAfter+10*time.Second)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if caller.eng.Stats().NoAudio {
		t.Error("the side that hears audio says NoAudio")
	}
	// The call core learns it from an event, as it happens.
	deadline2 := time.After(5 * time.Second)
	for got := false; !got; {
		select {
		case ev := <-callee.events:
			got = ev.NoAudio
		case <-deadline2:
			t.Fatal("no event with NoAudio")
		}
	}
}
