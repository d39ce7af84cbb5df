package legacy

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/wire"
)

// TestP2PNearSource: while the p2p candidate is unverified, a packet from the
// same /24 as its reported address is taken as p2p once it decrypts, and the
// candidate's address is corrected to it (libtgvoip NetworkPacketReceived and
// ProcessIncomingPacket); anything else from an unknown address is refused.
func TestP2PNearSource(t *testing.T) {
	key := testKey()
	reported := netip.MustParseAddrPort("10.1.2.3:5000")
	near := netip.MustParseAddrPort("10.1.2.77:6000")
	tests := []struct {
		name     string
		src      netip.AddrPort
		verified bool // a pong measured the candidate already
		garbage  bool
		replay   bool
		wantAddr netip.AddrPort
		wantRej  string
	}{
		{"same address", reported, false, false, false, reported, ""},
		{"same /24, other port", near, false, false, false, near, ""},
		{"other /24", netip.MustParseAddrPort("10.1.3.3:5000"), false, false, false, reported, "unknown source"},
		{"same /24 once verified", near, true, false, false, reported, "unknown source"},
		{"same /24, garbage", near, false, true, false, reported, "decrypt"},
		{"same /24, replayed packet", near, false, false, true, reported, "replay"},
		{"IPv6 source", netip.MustParseAddrPort("[2001:db8::1]:5000"), false, false, false, reported, "unknown source"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := NewWithOptions(media.Params{Key: key, Outgoing: true, P2PAllowed: true, Audio: newFakeAudio(t, 440),
				Reflectors: []media.Reflector{{ID: 1, IP: "127.0.0.1", Port: 9}}}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer e.conn.Close()
			e.p2p = &path{name: "p2p " + reported.String(), addr: reported}
			if tt.verified {
				e.p2p.rtt = 5 * time.Millisecond
			}
			peer := wire.NewCipher(&key, false)
			seal := func(seq uint32) []byte {
				b, err := peer.Seal(nil, wire.AppendPacket(nil, wire.Packet{Type: wire.TypeNop, Seq: seq}), bytes.NewReader(make([]byte, 32)))
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
			now := time.Unix(100, 0)
			if tt.replay {
				e.handle(seal(1), reported, now) // the genuine packet, from the reported address
			}
			b := seal(1)
			if tt.garbage {
				b[20] ^= 1
			}
			e.handle(b, tt.src, now)
			if e.p2p.addr != tt.wantAddr {
				t.Errorf("p2p address %v, want %v", e.p2p.addr, tt.wantAddr)
			}
			_, rej := e.rejects.Snapshot()
			if tt.wantRej == "" && len(rej) != 0 || tt.wantRej != "" && rej[tt.wantRej] != 1 {
				t.Errorf("rejected %v, want %q", rej, tt.wantRej)
			}
		})
	}
}

// TestIPv6RelaysNeedARoute: a relay's IPv6 address becomes a path only when
// this host can route to it (libtgvoip adds IPv6 relays only with an IPv6
// address on the active interface).
func TestIPv6RelaysNeedARoute(t *testing.T) {
	refl := []media.Reflector{{ID: 1, IP: "192.0.2.1", IPv6: "2001:db8::1", Port: 9}, {ID: 2, IPv6: "2001:db8::2", Port: 9}}
	tests := []struct {
		name   string
		route  bool
		refl   []media.Reflector
		want   int
		noPath bool
	}{
		{"no IPv6 route", false, refl, 1, false},
		{"IPv6 route", true, refl, 3, false},
		{"IPv6-only relay, no route", false, refl[1:], 0, true},
	}
	defer func(f func(netip.Addr) bool) { ipv6Routable = f }(ipv6Routable)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ipv6Routable = func(netip.Addr) bool { return tt.route }
			e, err := NewWithOptions(media.Params{Key: testKey(), Audio: newFakeAudio(t, 440), Reflectors: tt.refl}, Options{})
			if tt.noPath {
				if !errors.Is(err, ErrNoPath) {
					t.Errorf("err %v, want ErrNoPath", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer e.conn.Close()
			if len(e.paths) != tt.want {
				t.Errorf("%d paths, want %d", len(e.paths), tt.want)
			}
		})
	}
}

// TestPingCadence: the relay in use gets a PING every 10 s, as libtgvoip's
// SendRelayPings does; an unverified or current p2p path every second.
func TestPingCadence(t *testing.T) {
	key := testKey()
	relay := netip.MustParseAddrPort("127.0.0.1:9")
	p2p := netip.MustParseAddrPort("127.0.0.1:4242")
	e, err := NewWithOptions(media.Params{Key: key, Outgoing: true, Audio: newFakeAudio(t, 440),
		Reflectors: []media.Reflector{{ID: 1, IP: "127.0.0.1", Port: 9, PeerTag: wire.Tag{7}}}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.conn.Close()
	e.gotInit, e.gotInitAck = true, true
	e.p2p = &path{name: "p2p", addr: p2p}
	peer := wire.NewCipher(&key, false)
	pings := map[netip.AddrPort]int{}
	t0 := time.Unix(100, 0)
	e.started = t0
	for ms := 0; ms <= 25000; ms += 50 {
		now := t0.Add(time.Duration(ms) * time.Millisecond)
		e.lastRecv, e.cur.lastRecv = now, now // keep the relay alive
		out, _ := e.onTick(now)
		for _, d := range out {
			b := d.b
			if d.to == relay {
				if rp, err := wire.ParseRelay(b); err != nil || rp.Kind != wire.RelayData {
					continue // self-info requests
				}
				b = b[16:]
			}
			inner, err := peer.Open(b)
			if err != nil {
				t.Fatal(err)
			}
			if p, _ := wire.ParsePacket(inner); p.Type == wire.TypePing {
				pings[d.to]++
			}
		}
	}
	if got := pings[relay]; got != 3 { // at 0, 10 and 20 s
		t.Errorf("%d relay pings in 25 s, want 3", got)
	}
	if got := pings[p2p]; got < 24 || got > 26 {
		t.Errorf("%d p2p pings in 25 s, want one a second", got)
	}
}
