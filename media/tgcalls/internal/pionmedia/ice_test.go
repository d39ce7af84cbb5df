package pionmedia

import (
	"testing"

	"github.com/pion/webrtc/v4"

	"github.com/tgphone/tgphone/media"
)

func TestIceServers(t *testing.T) {
	got := ICEServers([]media.WebRTCServer{
		{IP: "127.0.0.1", Port: 3478, TURN: true, Username: "u", Password: "p"},
		{IP: "127.0.0.1", IPv6: "::1", Port: 3478, STUN: true},
		{IP: "127.0.0.1", Port: 3478, TURN: true}, // no credentials: unusable
		{IP: "127.0.0.1", Port: 0, STUN: true},    // bad port
	})
	want := []string{"turn:127.0.0.1:3478?transport=udp", "stun:127.0.0.1:3478", "stun:[::1]:3478"}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i, w := range want {
		if got[i].URLs[0] != w {
			t.Errorf("server %d = %s, want %s", i, got[i].URLs[0], w)
		}
	}
	if !LoopbackOnly([]media.WebRTCServer{{IP: "127.0.0.1"}}, []media.Reflector{{IP: "127.0.0.1"}}) ||
		LoopbackOnly([]media.WebRTCServer{{IP: "149.154.167.51"}}, nil) ||
		LoopbackOnly(nil, []media.Reflector{{IP: "91.108.13.2"}}) {
		t.Error("LoopbackOnly")
	}
}

// Path says the selected pair's way in English for logs and as a Route
// the UI words: our TURN relay, the peer's, or peer to peer.
func TestPath(t *testing.T) {
	cand := func(typ webrtc.ICECandidateType, addr string, port uint16) *webrtc.ICECandidate {
		return &webrtc.ICECandidate{Typ: typ, Address: addr, Port: port}
	}
	host, relay := webrtc.ICECandidateTypeHost, webrtc.ICECandidateTypeRelay
	for _, tc := range []struct {
		pair  *webrtc.ICECandidatePair
		path  string
		route media.Route
		addr  string
	}{
		{nil, "", media.RouteNone, ""},
		{&webrtc.ICECandidatePair{Local: cand(relay, "10.0.0.1", 3478), Remote: cand(host, "10.0.0.2", 4000)}, "turn 10.0.0.1:3478", media.RouteTURN, "10.0.0.1:3478"},
		{&webrtc.ICECandidatePair{Local: cand(host, "10.0.0.1", 5000), Remote: cand(relay, "10.0.0.3", 3478)}, "turn (peer) 10.0.0.3:3478", media.RoutePeerTURN, "10.0.0.3:3478"},
		{&webrtc.ICECandidatePair{Local: cand(host, "10.0.0.1", 5000), Remote: cand(host, "::1", 4000)}, "p2p [::1]:4000", media.RouteDirect, "[::1]:4000"},
	} {
		path, r, addr := Path(tc.pair)
		if path != tc.path || r != tc.route || addr != tc.addr {
			t.Errorf("Path = %q, %d, %q; want %q, %d, %q", path, r, addr, tc.path, tc.route, tc.addr)
		}
	}
}
