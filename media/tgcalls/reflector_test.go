package tgcalls

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/media/tgcalls/internal/calltest"
	"github.com/tgphone/tgphone/media/tgcalls/internal/pionmedia"
	"github.com/tgphone/tgphone/sandbox/reflector"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var testPeerTag = [16]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}

// TestReflectorFrames: the bytes ReflectorPort.cpp writes, field by field.
// SendReflectorHello: the port's tag (the peer tag's first 12 bytes and the
// random tag's 4 bytes as the uint32 lies in memory, little-endian), 12×FF,
// FE FF FF FF, WriteUInt64(123) (ByteBufferWriter: network order), padded to
// 4 (already is). TCP: tag, WriteUInt32(0). SendTo: the peer tag's first 12
// bytes and the target's random tag, our random tag (memory order), the
// payload length (WriteUInt32: big-endian), the payload, zeros to 4.
// RawTcpSocket: uint32 0xeeeeeeee once, each packet after its length as the
// uint32 lies in memory.
func TestReflectorFrames(t *testing.T) {
	tag := portTag(testPeerTag, 0x12345678)
	for _, tc := range []struct {
		name string
		got  []byte
		want string
	}{
		{"port tag", tag[:], "000102030405060708090a0b 78563412"},
		{"udp hello", appendReflectorHello(nil, tag),
			"000102030405060708090a0b78563412 ffffffffffffffffffffffff feffffff 000000000000007b"},
		{"tcp hello", appendReflectorTCPHello(nil, tag), "000102030405060708090a0b78563412 00000000"},
		{"data, padded", appendReflectorData(nil, tag, 0x11223344, 0x55667788, []byte("abcde")),
			"000102030405060708090a0b 44332211 88776655 00000005 6162636465 000000"},
		{"data, aligned", appendReflectorData(nil, testPeerTag, 1, 2, []byte("abcd")),
			"000102030405060708090a0b 01000000 02000000 00000004 61626364"},
		{"data, empty", appendReflectorData(nil, testPeerTag, 1, 2, nil),
			"000102030405060708090a0b 01000000 02000000 00000000"},
		{"tcp frame", appendReflectorTCPFrame(append([]byte(nil), reflectorTCPPrologue...), []byte{1, 2, 3}),
			"eeeeeeee 03000000 010203"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if want := unhex(t, tc.want); !bytes.Equal(tc.got, want) {
				t.Errorf("got  %x\nwant %x", tc.got, want)
			}
		})
	}
	if h := reflectorHost(1, 0x12345678); h != "reflector-1-305419896.reflector" {
		t.Errorf("host %q", h)
	}
	if len(appendReflectorHello(nil, tag)) != reflectorHelloLen || len(appendReflectorTCPHello(nil, tag)) != reflectorTCPHello {
		t.Error("hello lengths")
	}
}

// TestParseReflectorPacket: what HandleIncomingPacket accepts and drops.
func TestParseReflectorPacket(t *testing.T) {
	mine := portTag(testPeerTag, 7)
	other := testPeerTag
	other[0] ^= 1
	for _, tc := range []struct {
		name    string
		b       []byte
		from    uint32
		payload string
		err     error
	}{
		{"data", appendReflectorData(nil, testPeerTag, 7, 9, []byte("rtp!")), 9, "rtp!", nil},
		{"data padded", appendReflectorData(nil, testPeerTag, 7, 9, []byte("rtp")), 9, "rtp", nil},
		{"data to another port of the call", appendReflectorData(nil, testPeerTag, 8, 9, []byte("x")), 9, "x", nil},
		{"another call", appendReflectorData(nil, other, 7, 9, []byte("x")), 0, "", errReflectorTag},
		{"short", []byte{1, 2, 3}, 0, "", errReflectorShort},
		{"tag only: ready, nothing", mine[:], 0, "", errReflectorSpecial},
		{"24 bytes: nothing", appendReflectorData(nil, testPeerTag, 7, 9, nil), 0, "", errReflectorSpecial},
		{"self-info answer", append(appendReflectorHello(nil, mine)[:28], 0xc7, 0x72, 0x15, 0xc0, 1, 2, 3, 4), 0, "", errReflectorSpecial},
		{"length beyond", func() []byte {
			b := appendReflectorData(nil, testPeerTag, 7, 9, []byte("abcd"))
			b[23] = 5
			return b
		}(), 0, "", errReflectorLength},
		{"length shorter than sent", func() []byte {
			b := appendReflectorData(nil, testPeerTag, 7, 9, []byte("abcd"))
			b[23] = 2
			return b
		}(), 9, "ab", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			from, payload, err := parseReflectorPacket(tc.b, mine)
			if !errors.Is(err, tc.err) || (err == nil && (from != tc.from || string(payload) != tc.payload)) {
				t.Fatalf("= %d %q %v, want %d %q %v", from, payload, err, tc.from, tc.payload, tc.err)
			}
		})
	}
}

func TestParseReflectorHost(t *testing.T) {
	for _, tc := range []struct {
		host string
		id   uint8
		tag  uint32
		ok   bool
	}{
		{"reflector-1-305419896.reflector", 1, 305419896, true},
		{"reflector-255-4294967295.reflector", 255, 4294967295, true},
		{"reflector-0-1.reflector", 0, 0, false},
		{"reflector-1-0.reflector", 0, 0, false},
		{"reflector-1-4294967296.reflector", 0, 0, false},
		{"reflector-1-12.reflector.example", 0, 0, false},
		{"reflector-1.reflector", 0, 0, false},
		{"reflector--1-2.reflector", 0, 0, false},
		{"reflector-1-+2.reflector", 0, 0, false},
		{"relay-1-2.reflector", 0, 0, false},
	} {
		id, tag, err := parseReflectorHost(tc.host)
		if (err == nil) != tc.ok || id != tc.id || tag != tc.tag {
			t.Errorf("%q: %d %d %v", tc.host, id, tag, err)
		}
		if tc.ok && reflectorHost(id, tag) != tc.host {
			t.Errorf("%q does not round-trip", tc.host)
		}
	}
}

func TestReadReflectorTCPFrame(t *testing.T) {
	buf := make([]byte, reflectorMaxPacket)
	stream := appendReflectorTCPFrame(appendReflectorTCPFrame(nil, []byte("one")), nil)
	r := bytes.NewReader(stream)
	if p, err := readReflectorTCPFrame(r, buf); err != nil || string(p) != "one" {
		t.Fatalf("%q %v", p, err)
	}
	if p, err := readReflectorTCPFrame(r, buf); err != nil || len(p) != 0 {
		t.Fatalf("%q %v", p, err)
	}
	if _, err := readReflectorTCPFrame(r, buf); err == nil {
		t.Fatal("read past the end")
	}
	huge := []byte{0x01, 0x00, 0x01, 0x00} // 65537 bytes announced
	if _, err := readReflectorTCPFrame(bytes.NewReader(huge), buf); err == nil {
		t.Fatal("frame over 64 KiB accepted")
	}
}

func FuzzParseReflectorPacket(f *testing.F) {
	mine := portTag(testPeerTag, 7)
	f.Add(appendReflectorData(nil, testPeerTag, 7, 9, []byte("rtp!")))
	f.Add(appendReflectorHello(nil, mine))
	f.Add(mine[:])
	f.Fuzz(func(t *testing.T, b []byte) {
		from, payload, err := parseReflectorPacket(b, mine)
		if err != nil {
			return
		}
		if from == 0 && len(payload) == 0 && len(b) < reflectorDataHead {
			t.Fatal("data from a packet too short to hold it")
		}
		if len(payload) == 0 {
			return // re-framed, 24 bytes: ReflectorPort reads nothing from those
		}
		// What parses re-frames to a packet that parses the same.
		again := appendReflectorData(nil, mine, 7, from, payload)
		f2, p2, err := parseReflectorPacket(again, mine)
		if err != nil || f2 != from || !bytes.Equal(p2, payload) {
			t.Fatalf("re-framed %x: %d %x %v", again, f2, p2, err)
		}
	})
}

func FuzzReadReflectorTCPFrame(f *testing.F) {
	f.Add(appendReflectorTCPFrame(nil, []byte("one")))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	buf := make([]byte, reflectorMaxPacket)
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		for {
			p, err := readReflectorTCPFrame(r, buf)
			if err != nil {
				return
			}
			if len(p) > reflectorMaxPacket {
				t.Fatalf("frame of %d", len(p))
			}
		}
	})
}

func FuzzParseReflectorHost(f *testing.F) {
	f.Add("reflector-1-305419896.reflector")
	f.Add("reflector-1-abc.reflector")
	f.Fuzz(func(t *testing.T, host string) {
		id, tag, err := parseReflectorHost(host)
		if err == nil && reflectorHost(id, tag) != host {
			t.Fatalf("%q parsed as %d/%d, printed %q", host, id, tag, reflectorHost(id, tag))
		}
	})
}

// startReflector runs the sandbox's reflector (UDP and TCP) for a test.
func startReflector(t testing.TB) *reflector.Relay {
	t.Helper()
	r, err := reflector.New(reflector.Options{TCP: true, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	runReflector(t, r)
	return r
}

// runReflector runs r until the test ends.
func runReflector(t testing.TB, r *reflector.Relay) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// TestEngineReflectorOnly: a relay-only call whose only relays are Telegram
// reflectors (the sandbox's, speaking tgcalls' V2 reflector protocol),
// carries tones both ways over UDP and over TCP, to a reflector on IPv4
// loopback and to one that has only an IPv6 address (on ::1; skipped where
// the machine has no IPv6 loopback).
func TestEngineReflectorOnly(t *testing.T) {
	for _, tc := range []struct {
		name   string
		listen string // the reflector's address; empty: its default, on 127.0.0.1
		ipv6   bool
		tcp    bool
	}{
		{"udp", "", false, false},
		{"tcp", "", false, true},
		{"ipv6-udp", "[::1]:0", true, false},
		{"ipv6-tcp", "[::1]:0", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := reflector.New(reflector.Options{Addr: tc.listen, TCP: true, Logger: testLogger()})
			if err != nil {
				if tc.ipv6 {
					t.Skipf("no IPv6 loopback here: %v", err)
				}
				t.Fatal(err)
			}
			runReflector(t, r)
			ap := r.Addr()
			callerTag, calleeTag := testPeerTag, testPeerTag
			calleeTag[15] |= 1 // the sandbox's tags differ in bit 0 of byte 15
			refl := func(tag [16]byte) []media.Reflector {
				m := media.Reflector{ID: 7000 + 1, Port: int(ap.Port()), PeerTag: tag, TCP: tc.tcp}
				if tc.ipv6 {
					m.IPv6 = ap.Addr().String()
				} else {
					m.IP = ap.Addr().String()
				}
				return []media.Reflector{m}
			}
			start := time.Now()
			caller, callee := startCall(t, callOpts{reflectors: [2][]media.Reflector{refl(callerTag), refl(calleeTag)}}, [2]float64{523, 811})
			calltest.WaitState(t, caller, media.StateConnected)
			calltest.WaitState(t, callee, media.StateConnected)
			t.Logf("%s: connected after %v", tc.name, time.Since(start).Round(time.Millisecond))
			calltest.CheckTones(t, caller, callee, 60)
			want := pathReflector + " " + ap.String() + " " + map[bool]string{false: "udp", true: "tcp"}[tc.tcp]
			for _, s := range []*side{caller, callee} {
				if p := s.Eng.Stats().Path; p != want {
					t.Errorf("path = %q, want %q", p, want)
				}
				if st := s.Eng.Stats(); st.Route != media.RouteRelay || pathReflector+" "+st.RouteAddr != want {
					t.Errorf("route %d %q, want the relay at %q", st.Route, st.RouteAddr, want)
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

// TestReflectorCandidateLine: our port is advertised as tgcalls advertises
// its own, and the peer's such candidate maps back to the same address.
func TestReflectorCandidateLine(t *testing.T) {
	set := newReflectorSet([]media.Reflector{
		{ID: 20, IP: "127.0.0.1", Port: 599, PeerTag: testPeerTag},
		{ID: 10, IP: "127.0.0.1", Port: 598, PeerTag: testPeerTag, TCP: true},
		{ID: 30, IPv6: "::1", Port: 597, PeerTag: testPeerTag}, // IPv6 only: its own port
		{ID: 40, IP: "127.0.0.1", Port: 596},                   // no tag
	}, testLogger(), &media.Rejects{}, nil)
	defer set.close()
	if len(set.servers) != 3 || set.servers[0].id != 2 || set.servers[1].id != 1 || set.servers[2].id != 3 ||
		set.servers[2].addr.String() != "[::1]:597" {
		t.Fatalf("servers %+v", set.servers)
	}
	urls := set.iceServers()
	if len(urls) != 3 || urls[0].user != "reflector" || urls[0].pass != hex.EncodeToString(testPeerTag[:]) ||
		!strings.HasPrefix(urls[0].url, "turn:240.") {
		t.Fatalf("urls %+v", urls)
	}
	a := set.peerAddr(2, 599, 0xdeadbeef)
	if !pionmedia.Synthetic.Contains(a.Addr()) || a.Port() != 599 {
		t.Fatalf("synthetic %v", a)
	}
	host, ok := set.candidateHost(a.Addr().String())
	if !ok || host != "reflector-2-3735928559.reflector" {
		t.Fatalf("host %q %v", host, ok)
	}
	if a2 := set.peerAddr(2, 599, 0xdeadbeef); a2 != a {
		t.Fatal("not stable")
	}
	if !set.hasServer(2, 599) || set.hasServer(2, 598) || set.hasServer(3, 599) {
		t.Error("hasServer")
	}
	if d, ok := set.describe(a.Addr().String()); !ok || d != "127.0.0.1:599 udp" {
		t.Errorf("describe %q", d)
	}
	if _, ok := set.candidateHost("127.0.0.1"); ok {
		t.Error("a real address taken for a reflector port")
	}
}

// TestEngineReflectorBesideTURN: reflectors beside a TURN server and direct
// paths. pion's TURN client asks its server for a permission inside the ICE
// agent's loop and waits for the answer; a request for a peer's reflector
// port dropped in silence stalled every check for seconds (calls failed to
// connect), so the guard answers it 403 at once.
func TestEngineReflectorBesideTURN(t *testing.T) {
	servers := calltest.TURNServers(t)
	ap := startReflector(t).Addr()
	refl := []media.Reflector{{ID: 1, IP: ap.Addr().String(), Port: int(ap.Port()), PeerTag: testPeerTag}}
	for _, p2p := range []bool{true, false} {
		caller, callee := startCall(t, callOpts{servers: servers, p2p: p2p, reflectors: [2][]media.Reflector{refl, refl}}, [2]float64{523, 811})
		calltest.WaitState(t, caller, media.StateConnected)
		calltest.WaitState(t, callee, media.StateConnected)
		t.Logf("p2p %v: path %q", p2p, caller.Eng.Stats().Path)
	}
}

// TestReflectorPortUDPReads: a UDP port reads the reflector's datagrams in
// order through ReadFrom, those that reached it before it was ready first,
// skips the reflector's own answers and what comes from elsewhere, and a
// ReadFrom waiting on the socket (which is pion's, not closed with the
// port) ends when the port closes.
func TestReflectorPortUDPReads(t *testing.T) {
	refl, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer refl.Close()
	set := newReflectorSet([]media.Reflector{{ID: 5, IP: "127.0.0.1", Port: refl.LocalAddr().(*net.UDPAddr).Port, PeerTag: testPeerTag}},
		testLogger(), &media.Rejects{}, nil)
	defer set.close()
	pc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	p, err := set.newPort(set.servers[0], pc)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2048)
	_ = refl.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, port, err := refl.ReadFrom(buf)
	if err != nil || n < reflectorTagLen {
		t.Fatalf("no hello: %d bytes, %v", n, err)
	}
	send := func(b []byte) {
		if _, err := refl.WriteTo(b, port); err != nil {
			t.Fatal(err)
		}
	}
	send(appendReflectorData(nil, testPeerTag, p.tag, 9, []byte("one"))) // makes the port ready
	select {
	case <-p.ready:
	case <-time.After(10 * time.Second):
		t.Fatal("port never ready")
	}
	send(appendReflectorHello(nil, p.full)) // the reflector's own packet
	other, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.WriteTo(appendReflectorData(nil, testPeerTag, p.tag, 9, []byte("spoof")), port); err != nil {
		t.Fatal(err)
	}
	send(appendReflectorData(nil, testPeerTag, p.tag, 9, []byte("two")))
	send(appendReflectorData(nil, testPeerTag, p.tag, 11, []byte("three")))
	for _, want := range []struct {
		payload string
		from    uint32
	}{{"one", 9}, {"two", 9}, {"three", 11}} {
		n, from, err := p.ReadFrom(buf)
		if err != nil {
			t.Fatal(err)
		}
		wantFrom := set.peerAddr(set.servers[0].id, uint16(refl.LocalAddr().(*net.UDPAddr).Port), want.from)
		if string(buf[:n]) != want.payload || from.(*net.UDPAddr).AddrPort() != wantFrom {
			t.Fatalf("read %q from %v, want %q from %v", buf[:n], from, want.payload, wantFrom)
		}
	}
	errs := make(chan error, 1)
	go func() {
		_, _, err := p.ReadFrom(buf)
		errs <- err
	}()
	time.Sleep(50 * time.Millisecond) // let it wait on the socket (the test passes either way)
	_ = p.Close()
	select {
	case err := <-errs:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("ReadFrom after Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ReadFrom still waiting after the port closed")
	}
	p.wg.Wait()
}
