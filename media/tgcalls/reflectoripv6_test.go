package tgcalls

import (
	"context"
	"testing"

	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/sandbox/reflector"
)

// TestReflectorSetDualStack: an entry's IPv4 and IPv6 addresses make a port
// each, under the entry's one server id, as tgcalls is handed them.
func TestReflectorSetDualStack(t *testing.T) {
	set := newReflectorSet([]media.Reflector{
		{ID: 5, IP: "127.0.0.1", IPv6: "::1", Port: 599, PeerTag: testPeerTag},
		{ID: 6, IP: "::ffff:127.0.0.2", IPv6: "127.0.0.2", Port: 599, PeerTag: testPeerTag}, // one address twice
		{ID: 7, IPv6: "fe80::1%eth0", Port: 599, PeerTag: testPeerTag},                      // zoned: no port
	}, testLogger(), &media.Rejects{}, nil)
	defer set.close()
	var got []string
	for _, srv := range set.servers {
		got = append(got, srv.addr.String())
		if srv.id != map[string]uint8{"127.0.0.1:599": 1, "[::1]:599": 1, "127.0.0.2:599": 2}[srv.addr.String()] {
			t.Errorf("%s: id %d", srv.addr, srv.id)
		}
	}
	if len(got) != 3 || got[0] != "127.0.0.1:599" || got[1] != "[::1]:599" || got[2] != "127.0.0.2:599" {
		t.Errorf("ports %v", got)
	}
	if len(set.iceServers()) != 3 {
		t.Errorf("urls %+v", set.iceServers())
	}
}

// TestEngineReflectorIPv6: a relay-only call whose reflector has only an
// IPv6 address (the sandbox's, on ::1) carries tones both ways over UDP and
// over TCP.
func TestEngineReflectorIPv6(t *testing.T) {
	for _, tcp := range []bool{false, true} {
		name := map[bool]string{false: "udp", true: "tcp"}[tcp]
		t.Run(name, func(t *testing.T) {
			r, err := reflector.New(reflector.Options{Addr: "[::1]:0", TCP: true, Logger: testLogger()})
			if err != nil {
				t.Skipf("no IPv6 loopback here: %v", err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- r.Run(ctx) }()
			t.Cleanup(func() {
				cancel()
				<-done
			})
			ap := r.Addr()
			callerTag, calleeTag := testPeerTag, testPeerTag
			calleeTag[15] |= 1
			refl := func(tag [16]byte) []media.Reflector {
				return []media.Reflector{{ID: 9001, IPv6: ap.Addr().String(), Port: int(ap.Port()), PeerTag: tag, TCP: tcp}}
			}
			caller, callee := startCall(t, callOpts{reflectors: [2][]media.Reflector{refl(callerTag), refl(calleeTag)}}, [2]float64{523, 811})
			waitState(t, caller, media.StateConnected)
			waitState(t, callee, media.StateConnected)
			checkTones(t, caller, callee, 60)
			want := pathReflector + " " + ap.String() + " " + name
			for _, s := range []*side{caller, callee} {
				if p := s.eng.Stats().Path; p != want {
					t.Errorf("path = %q, want %q", p, want)
				}
			}
			var fwd uint64
			for _, st := range r.Stats() {
				fwd += st.Forwarded
			}
			if fwd == 0 {
				t.Error("the reflector forwarded nothing")
			}
		})
	}
}
