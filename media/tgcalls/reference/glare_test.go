package reference

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/pion/ice/v4"
	"github.com/pion/logging"
	"github.com/pion/transport/v4/vnet"
	"github.com/pion/webrtc/v4"

	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/media/tgcalls/internal/mediastate"
	"github.com/tgphone/tgphone/media/tgcalls/internal/pionmedia"
	"github.com/tgphone/tgphone/media/tgcalls/internal/toneaudio"
	"github.com/tgphone/tgphone/media/tgcalls/internal/transcript"
)

// negotiator is an engine whose negotiation a test drives message by
// message (handle, on the test's goroutine: no sigLoop runs), next to a
// plain pion PeerConnection playing the peer. Both sit on a pion virtual
// network and never connect: only the offer/answer logic is exercised.
type negotiator struct {
	e    *Engine
	peer *webrtc.PeerConnection
	mu   sync.Mutex
	sent []string
}

func (n *negotiator) descs(t *testing.T) []*description {
	n.mu.Lock()
	defer n.mu.Unlock()
	return descriptions(t, n.sent)
}

func newNegotiator(t *testing.T, outgoing bool) *negotiator {
	t.Helper()
	router, err := vnet.NewRouter(&vnet.RouterConfig{CIDR: "10.0.0.0/24", LoggerFactory: logging.NewDefaultLoggerFactory()})
	if err != nil {
		t.Fatal(err)
	}
	var nets [2]*vnet.Net
	for i, ip := range []string{"10.0.0.1", "10.0.0.2"} {
		if nets[i], err = vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{ip}}); err != nil {
			t.Fatal(err)
		}
		if err := router.AddNet(nets[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := router.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = router.Stop() })
	n := &negotiator{}
	e, err := newEngine(media.Params{
		Key: transcript.Key(), Outgoing: outgoing, LibraryVersion: "10.0.0", P2PAllowed: true,
		Audio: toneaudio.New(t, 440), SendSignaling: func(context.Context, []byte) error { return nil },
		Logger: testLogger(),
	}, nets[0], hooks{sent: func(m []byte) {
		n.mu.Lock()
		n.sent = append(n.sent, string(m))
		n.mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.build(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	n.e = e

	me := &webrtc.MediaEngine{}
	if err := me.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: pionmedia.OpusCapability(), PayloadType: opusPayloadType}, webrtc.RTPCodecTypeAudio); err != nil {
		t.Fatal(err)
	}
	se := webrtc.SettingEngine{}
	se.SetNet(nets[1])
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	peer, err := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{BundlePolicy: webrtc.BundlePolicyMaxBundle})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = peer.Close() })
	track, err := webrtc.NewTrackLocalStaticRTP(pionmedia.OpusCapability(), "a", "s")
	if err != nil {
		t.Fatal(err)
	}
	if !outgoing { // the peer is the caller
		if _, err := peer.CreateDataChannel(mediastate.Label, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := peer.AddTransceiverFromTrack(track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendrecv}); err != nil {
			t.Fatal(err)
		}
	}
	n.peer = peer
	return n
}

// peerOffer makes the peer's offer (and sets it locally when set).
func (n *negotiator) peerOffer(t *testing.T, set bool) string {
	t.Helper()
	o, err := n.peer.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if set {
		if err := n.peer.SetLocalDescription(o); err != nil {
			t.Fatal(err)
		}
	}
	return o.SDP
}

// peerAnswer has the peer answer one of ours.
func (n *negotiator) peerAnswer(t *testing.T, offer string) string {
	t.Helper()
	if err := n.peer.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		t.Fatal(err)
	}
	a, err := n.peer.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.peer.SetLocalDescription(a); err != nil {
		t.Fatal(err)
	}
	return a.SDP
}

func (n *negotiator) deliver(typ, sdp string) { n.e.handle(marshal(description{Type: typ, SDP: sdp})) }

// bumpVersion is what tgcalls' caller's second copy of its offer changes.
func bumpVersion(t *testing.T, sdp string) string {
	t.Helper()
	i := strings.Index(sdp, "o=")
	j := strings.Index(sdp[i:], "\r\n")
	f := strings.Fields(sdp[i : i+j])
	f[2] += "1"
	return sdp[:i] + strings.Join(f, " ") + sdp[i+j:]
}

// TestGlareCaller: the caller ignores an offer that collides with its own,
// as tgcalls 92640c4's caller does.
func TestGlareCaller(t *testing.T) {
	n := newNegotiator(t, true)
	n.e.offer()
	if s := n.e.pc.SignalingState(); s != webrtc.SignalingStateHaveLocalOffer {
		t.Fatalf("after our offer: %s", s)
	}
	if _, err := n.peer.AddTransceiverFromTrack(mustTrack(t), webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendrecv}); err != nil {
		t.Fatal(err)
	}
	n.deliver(typeOffer, n.peerOffer(t, true))
	if d := n.descs(t); len(d) != 1 || n.e.pc.SignalingState() != webrtc.SignalingStateHaveLocalOffer || n.e.pc.RemoteDescription() != nil {
		t.Fatalf("colliding offer: we sent %d descriptions, state %s", len(d), n.e.pc.SignalingState())
	}
}

func mustTrack(t *testing.T) *webrtc.TrackLocalStaticRTP {
	track, err := webrtc.NewTrackLocalStaticRTP(pionmedia.OpusCapability(), "a", "s")
	if err != nil {
		t.Fatal(err)
	}
	return track
}

// TestGlareCallee: the callee drops copies of the offer it answered,
// keeps an offer that collides with its own until that is answered, then
// applies it unless it is stale (made before the peer saw ours).
func TestGlareCallee(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fresh bool // the colliding offer already has our m-line
	}{{"stale", false}, {"fresh", true}} {
		t.Run(tc.name, func(t *testing.T) {
			n := newNegotiator(t, false)
			o1 := n.peerOffer(t, true)
			n.deliver(typeOffer, o1)
			d := n.descs(t)
			if len(d) != 2 || d[0].Type != typeAnswer || d[1].Type != typeOffer {
				t.Fatalf("after the peer's offer we sent %d descriptions", len(d))
			}
			if err := n.peer.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: d[0].SDP}); err != nil {
				t.Fatal(err)
			}
			// tgcalls' caller's copy of its first offer: dropped.
			n.deliver(typeOffer, bumpVersion(t, o1))
			if len(n.descs(t)) != 2 {
				t.Fatalf("a copy of the answered offer was answered")
			}
			var o3, a2 string
			if tc.fresh {
				a2 = n.peerAnswer(t, d[1].SDP)
				o3 = n.peerOffer(t, false) // has our mid 2
			} else {
				o3 = n.peerOffer(t, false) // made before it saw our offer
				a2 = n.peerAnswer(t, d[1].SDP)
			}
			n.deliver(typeOffer, o3)
			if len(n.descs(t)) != 2 {
				t.Fatalf("a colliding offer was answered at once")
			}
			n.deliver(typeAnswer, a2)
			d = n.descs(t)
			want := 2
			if tc.fresh {
				want = 3
			}
			if len(d) != want || n.e.pc.SignalingState() != webrtc.SignalingStateStable || !n.e.senderLive.Load() {
				t.Fatalf("after our offer's answer: %d descriptions sent, want %d; state %s, sender live %v",
					len(d), want, n.e.pc.SignalingState(), n.e.senderLive.Load())
			}
			if tc.fresh {
				checkDesc(t, "our answer to the kept offer", d[2], typeAnswer,
					[]mline{{"audio", "0", "recvonly", false, "active"}, app("active"), {"audio", "2", "sendonly", true, "active"}})
			}
		})
	}
}
