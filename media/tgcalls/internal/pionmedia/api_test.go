package pionmedia

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/tgphone/tgphone/media"
)

// TestSetupPolicy: a call without P2P gathers relays only; with it, all.
func TestSetupPolicy(t *testing.T) {
	for _, tc := range []struct {
		p2p  bool
		want webrtc.ICETransportPolicy
	}{{true, webrtc.ICETransportPolicyAll}, {false, webrtc.ICETransportPolicyRelay}} {
		p, err := Setup{
			Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Rejects: &media.Rejects{},
			PayloadType: 111, P2PAllowed: tc.p2p, Disconnected: 2 * time.Second, Failed: 20 * time.Second,
		}.Pion()
		if err != nil {
			t.Fatalf("P2P %v: %v", tc.p2p, err)
		}
		if p.Policy != tc.want || p.Codecs == nil || p.RTCP == nil || p.API() == nil {
			t.Errorf("P2P %v: policy %v, want %v (codecs %v, rtcp %v)", tc.p2p, p.Policy, tc.want, p.Codecs != nil, p.RTCP != nil)
		}
	}
}
