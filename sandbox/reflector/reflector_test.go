package reflector

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/tgphone/tgphone/wire"
)

var (
	tagA = wire.Tag{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0x20}
	tagB = wire.Tag{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0x21}
	tagX = wire.Tag{9, 9, 9}
	addA = netip.MustParseAddrPort("127.0.0.1:1001")
	addB = netip.MustParseAddrPort("127.0.0.1:1002")
	addC = netip.MustParseAddrPort("127.0.0.1:1003")
)

type step struct {
	name string
	from netip.AddrPort
	b    []byte
	want []out
}

func TestHandle(t *testing.T) {
	now := time.Unix(1000, 0)
	body := []byte("encrypted-body-bytes")
	steps := []step{
		{"A/data-unpaired→dropped", addA, wire.AppendData(nil, tagA, body), nil},
		{"A/peer-info-unpaired→dropped", addA, wire.AppendPeerInfoRequest(nil, tagA), nil},
		{"A/self-info→reply", addA, wire.AppendSelfInfoRequest(nil, tagA, 42),
			[]out{{b: wire.AppendSelfInfoReply(nil, tagA, 1000, 42, addA), to: addA}}},
		{"B/data→A-with-A-tag", addB, wire.AppendData(nil, tagB, body), []out{{b: wire.AppendData(nil, tagA, body), to: addA}}},
		{"A/data→B-with-B-tag", addA, wire.AppendData(nil, tagA, body), []out{{b: wire.AppendData(nil, tagB, body), to: addB}}},
		{"A/peer-info→reply", addA, wire.AppendPeerInfoRequest(nil, tagA), []out{{b: wire.AppendPeerInfoReply(nil, tagA, addA, addB), to: addA}}},
		{"other-call/data→dropped", addC, wire.AppendData(nil, tagX, body), nil},
		{"short→dropped", addA, []byte{1, 2}, nil},
		{"reply-sent-to-relay→dropped", addA, wire.AppendSelfInfoReply(nil, tagA, 1, 1, addA), nil},
		{"B-roams-to-C/data→A", addC, wire.AppendData(nil, tagB, body), []out{{b: wire.AppendData(nil, tagA, body), to: addA}}},
		{"A/data→B-at-C", addA, wire.AppendData(nil, tagA, body), []out{{b: wire.AppendData(nil, tagB, body), to: addC}}},
	}
	r := &Relay{calls: map[wire.Tag]*call{}}
	for _, s := range steps {
		got := r.handle(s.b, s.from, now)
		if len(got) != len(s.want) {
			t.Fatalf("%s: %d outputs, want %d", s.name, len(got), len(s.want))
		}
		for i := range got {
			if got[i].to != s.want[i].to || !bytes.Equal(got[i].b, s.want[i].b) {
				t.Errorf("%s: got %x→%v, want %x→%v", s.name, got[i].b, got[i].to, s.want[i].b, s.want[i].to)
			}
		}
	}
	st := r.Stats()[canonical(tagA)]
	if st.Forwarded != 4 || st.Dropped != 3 || st.SelfInfo != 1 || st.PeerInfo != 1 || st.Peers != 2 {
		t.Errorf("stats %+v", st)
	}
	if r.unparsed != 1 {
		t.Errorf("unparsed %d", r.unparsed)
	}
}

func TestIdenticalTags(t *testing.T) {
	r := &Relay{calls: map[wire.Tag]*call{}}
	now := time.Unix(1, 0)
	r.handle(wire.AppendData(nil, tagA, []byte{1}), addA, now)
	got := r.handle(wire.AppendData(nil, tagA, []byte{2}), addB, now)
	if len(got) != 1 || got[0].to != addA || !bytes.Equal(got[0].b, wire.AppendData(nil, tagA, []byte{2})) {
		t.Fatalf("got %+v", got)
	}
}

func TestPause(t *testing.T) {
	r := &Relay{calls: map[wire.Tag]*call{}}
	r.pausedUntil = time.Unix(10, 0)
	if got := r.handle(wire.AppendSelfInfoRequest(nil, tagA, 1), addA, time.Unix(5, 0)); got != nil {
		t.Errorf("answered while paused")
	}
	if got := r.handle(wire.AppendSelfInfoRequest(nil, tagA, 1), addA, time.Unix(11, 0)); len(got) != 1 {
		t.Errorf("not answered after pause")
	}
}

func TestNotLoopback(t *testing.T) {
	if _, err := New(Options{Addr: "0.0.0.0:0"}); err == nil {
		t.Fatal("listening on 0.0.0.0 allowed")
	}
}

func TestSockets(t *testing.T) {
	r, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.Run(ctx) }()
	a, _ := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	b, _ := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	defer a.Close()
	defer b.Close()
	to := net.UDPAddrFromAddrPort(r.Addr())
	buf := make([]byte, 256)
	// Register A via self-info and wait for the reply so ordering is certain.
	a.WriteToUDP(wire.AppendSelfInfoRequest(nil, tagA, 7), to)
	a.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, err := a.ReadFromUDP(buf)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := wire.ParseRelay(buf[:n]); err != nil || p.Kind != wire.RelaySelfInfoReply || p.QueryID != 7 || p.My != a.LocalAddr().(*net.UDPAddr).AddrPort() {
		t.Fatalf("self-info reply %+v %v", p, err)
	}
	b.WriteToUDP(wire.AppendData(nil, tagB, []byte("hello")), to)
	n, _, err = a.ReadFromUDP(buf)
	if err != nil || !bytes.Equal(buf[:n], wire.AppendData(nil, tagA, []byte("hello"))) {
		t.Fatalf("forwarded %x %v", buf[:n], err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func FuzzHandle(f *testing.F) {
	f.Add(wire.AppendSelfInfoRequest(nil, tagA, 1))
	f.Add(wire.AppendPeerInfoRequest(nil, tagA))
	f.Add(wire.AppendData(nil, tagB, []byte{1, 2, 3}))
	f.Add([]byte{})
	r := &Relay{calls: map[wire.Tag]*call{}}
	r.handle(wire.AppendData(nil, tagA, []byte{1}), addA, time.Unix(1, 0))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, o := range r.handle(b, addB, time.Unix(2, 0)) {
			if len(o.b) < 16 {
				t.Fatalf("short output %x", o.b)
			}
		}
	})
}

// TestListenTCPTaken: a fixed port whose TCP side is taken fails with the
// kernel's reason and leaves the UDP port free again; port 0 with TCP gives
// one port for both.
func TestListenTCPTaken(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port
	addr := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
	if _, err := New(Options{Addr: addr.String(), TCP: true}); !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("New on a taken TCP port: %v, want EADDRINUSE", err)
	}
	u, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(addr))
	if err != nil {
		t.Fatalf("UDP port %d not released after the failure: %v", port, err)
	}
	u.Close()

	r, err := New(Options{TCP: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Stop()
	if got := r.tcp.Addr().(*net.TCPAddr).AddrPort().Port(); got != r.Addr().Port() {
		t.Errorf("TCP on %d, UDP on %d", got, r.Addr().Port())
	}
}
