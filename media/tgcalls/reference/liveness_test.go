package reference

import (
	"testing"
	"time"

	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/media/tgcalls/internal/calltest"
)

// TestMutedPeerStaysUp: a peer muted for twice the packet timeout stays
// connected and known muted (calltest.MutedPeerStaysUp).
func TestMutedPeerStaysUp(t *testing.T) {
	const timeout = 2 * time.Second
	caller, callee := startCall(t, callOpts{version: "10.0.0", p2p: true, packetTimeout: timeout}, [2]float64{440, 697})
	calltest.MutedPeerStaysUp(t, caller, callee, timeout)
}

// TestPeerGone: when the peer's engine stops, the call fails within the
// packet timeout after ICE stops hearing it (or at once, when DTLS says
// the peer closed).
func TestPeerGone(t *testing.T) {
	caller, callee := startCall(t, callOpts{version: "11.0.0", p2p: true, packetTimeout: 2 * time.Second}, [2]float64{440, 697})
	calltest.WaitState(t, caller, media.StateConnected)
	calltest.WaitState(t, callee, media.StateConnected)
	gone := time.Now()
	_ = callee.Eng.Close()
	ev := calltest.WaitState(t, caller, media.StateFailed)
	t.Logf("caller failed %v after the callee closed: %v", time.Since(gone).Round(10*time.Millisecond), ev.Err)
	if ev.Err == nil {
		t.Error("failed without a reason")
	}
}
