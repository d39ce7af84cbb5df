package pionmedia

import (
	"testing"

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
