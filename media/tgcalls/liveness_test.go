package tgcalls

import (
	"testing"
	"time"

	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/media/tgcalls/internal/calltest"
	"github.com/tgphone/tgphone/media/tgcalls/internal/housekeep"
)

// TestMutedPeerStaysUp: a peer muted for twice the packet timeout stays
// connected and known muted (calltest.MutedPeerStaysUp).
func TestMutedPeerStaysUp(t *testing.T) {
	const timeout = 3 * time.Second
	caller, callee := startCall(t, callOpts{p2p: true, packetTimeout: timeout}, [2]float64{440, 697})
	calltest.MutedPeerStaysUp(t, caller, callee, timeout)
}

// TestNoAudioIsVisible: a call whose peer, not muted, sends no audio is up
// on ICE and DTLS but silent; Stats says so after housekeep.NoAudioAfter, while the
// other direction is fine.
func TestNoAudioIsVisible(t *testing.T) {
	caller, callee := startCall(t, callOpts{p2p: true, noMic: [2]bool{true, false}}, [2]float64{440, 697})
	calltest.WaitState(t, caller, media.StateConnected)
	calltest.WaitState(t, callee, media.StateConnected)
	calltest.WaitPackets(t, caller, 10)
	if st := callee.Eng.Stats(); st.NoAudio {
		t.Error("NoAudio at once; want it only after a few seconds")
	}
	deadline := time.Now().Add(housekeep.NoAudioAfter + 10*time.Second)
	for !callee.Eng.Stats().NoAudio {
		if time.Now().After(deadline) {
			t.Fatalf("no audio for %v, Stats.NoAudio still false", housekeep.NoAudioAfter+10*time.Second)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if caller.Eng.Stats().NoAudio {
		t.Error("the side that hears audio says NoAudio")
	}
	// The call core learns it from an event, as it happens.
	deadline2 := time.After(5 * time.Second)
	for got := false; !got; {
		select {
		case ev := <-callee.Events:
			got = ev.NoAudio
		case <-deadline2:
			t.Fatal("no event with NoAudio")
		}
	}
}
