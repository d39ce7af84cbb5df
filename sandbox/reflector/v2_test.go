package reflector

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/tgphone/tgphone/wire"
)

// v2Tag is a port's tag: the call's first 12 bytes, the port tag little-endian.
func v2Tag(call wire.Tag, port uint32) [16]byte {
	t := [16]byte(call)
	binary.LittleEndian.PutUint32(t[12:], port)
	return t
}

func v2Hello(tag [16]byte) []byte {
	b := append(tag[:], bytes.Repeat([]byte{0xff}, 12)...)
	b = append(b, 0xfe, 0xff, 0xff, 0xff)
	return binary.BigEndian.AppendUint64(b, 123)
}

func v2Data(call wire.Tag, to, from uint32, payload []byte) []byte {
	b := append([]byte(nil), call[:12]...)
	b = binary.LittleEndian.AppendUint32(b, to)
	b = binary.LittleEndian.AppendUint32(b, from)
	b = binary.BigEndian.AppendUint32(b, uint32(len(payload)))
	b = append(b, payload...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// TestHandleV2: V2 ports register by hello, data goes unchanged to the port
// whose tag it names, and libtgvoip's framing on the same socket is untouched.
func TestHandleV2(t *testing.T) {
	now := time.Unix(1000, 0)
	pa, pb := uint32(0x11111111), uint32(0x22222222)
	ta, tb := v2Tag(tagA, pa), v2Tag(tagA, pb)
	ab := v2Data(tagA, pb, pa, []byte("rtp from a"))
	ba := v2Data(tagA, pa, pb, []byte("rtp from b"))
	steps := []step{
		{"A/hello→self-info", addA, v2Hello(ta), []out{{b: wire.AppendSelfInfoReply(nil, wire.Tag(ta), 1000, int64(binary.LittleEndian.Uint64(binary.BigEndian.AppendUint64(nil, 123))), addA), to: addA}}},
		{"A/data-to-unregistered-B→dropped", addA, ab, nil},
		{"B/hello→self-info", addB, v2Hello(tb), []out{{b: wire.AppendSelfInfoReply(nil, wire.Tag(tb), 1000, int64(binary.LittleEndian.Uint64(binary.BigEndian.AppendUint64(nil, 123))), addB), to: addB}}},
		{"A/data→B-unchanged", addA, ab, []out{{b: ab, to: addB}}},
		{"B/data→A-unchanged", addB, ba, []out{{b: ba, to: addA}}},
		{"B-moves-to-C/data→A", addC, ba, []out{{b: ba, to: addA}}},
		{"A/data→B-at-C", addA, ab, []out{{b: ab, to: addC}}},
		{"A/length-beyond→dropped", addA, func() []byte { b := append([]byte(nil), ab...); b[23] = 200; return b }(), nil},
		{"legacy/self-info→reply", addA, wire.AppendSelfInfoRequest(nil, tagX, 5), []out{{b: wire.AppendSelfInfoReply(nil, tagX, 1000, 5, addA), to: addA}}},
	}
	r := &Relay{calls: map[wire.Tag]*call{}}
	for _, s := range steps {
		got := r.handle(s.b, s.from, now)
		if len(got) != len(s.want) {
			t.Fatalf("%s: %d outputs, want %d", s.name, len(got), len(s.want))
		}
		for i := range got {
			if got[i].to != s.want[i].to || !bytes.Equal(got[i].b, s.want[i].b) || got[i].tcp != nil {
				t.Errorf("%s: got %x→%v, want %x→%v", s.name, got[i].b, got[i].to, s.want[i].b, s.want[i].to)
			}
		}
	}
	st := r.Stats()[v2Key(ta)]
	if st.Forwarded != 4 || st.Dropped != 2 || st.SelfInfo != 2 {
		t.Errorf("stats %+v", st)
	}
	r.pausedUntil = now.Add(time.Second)
	if got := r.handle(ab, addA, now); got != nil {
		t.Error("forwarded while paused")
	}
}

// TestTCPV2: two ports over TCP (prologue, little-endian lengths) and one
// over UDP reach each other through the relay.
func TestTCPV2(t *testing.T) {
	r, err := New(Options{TCP: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	if r.TCPAddr().Port() != r.Addr().Port() {
		t.Errorf("tcp %v, udp %v: want the same port", r.TCPAddr(), r.Addr())
	}
	frame := func(pkt []byte) []byte {
		return append(binary.LittleEndian.AppendUint32(nil, uint32(len(pkt))), pkt...)
	}
	dial := func(tag [16]byte) net.Conn {
		c, err := net.Dial("tcp", r.TCPAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		hello := append([]byte{0xee, 0xee, 0xee, 0xee}, frame(append(tag[:], 0, 0, 0, 0))...)
		if _, err := c.Write(hello); err != nil {
			t.Fatal(err)
		}
		return c
	}
	a, b := dial(v2Tag(tagA, 1)), dial(v2Tag(tagA, 2))
	defer a.Close()
	defer b.Close()
	u, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	readTCP := func(c net.Conn) []byte {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		var h [4]byte
		if _, err := io.ReadFull(c, h[:]); err != nil {
			t.Fatal(err)
		}
		p := make([]byte, binary.LittleEndian.Uint32(h[:]))
		if _, err := io.ReadFull(c, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// B's hello must be in before A's data names B: poll with data until it arrives.
	ab := v2Data(tagA, 2, 1, []byte("over tcp"))
	got := make(chan []byte, 1)
	go func() { got <- readTCP(b) }()
	deadline := time.Now().Add(5 * time.Second)
	for delivered := false; !delivered; {
		if _, err := a.Write(frame(ab)); err != nil {
			t.Fatal(err)
		}
		select {
		case p := <-got:
			if !bytes.Equal(p, ab) {
				t.Fatalf("B got %x, want %x", p, ab)
			}
			delivered = true
		case <-time.After(50 * time.Millisecond):
			if time.Now().After(deadline) {
				t.Fatal("nothing reached B")
			}
		}
	}
	// A UDP port of the same call reaches A over TCP.
	if _, err := u.WriteToUDP(v2Hello(v2Tag(tagA, 3)), net.UDPAddrFromAddrPort(r.Addr())); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 256)
	_ = u.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, _, err := u.ReadFromUDP(buf); err != nil {
		t.Fatalf("no self-info answer: %v", err)
	}
	ua := v2Data(tagA, 1, 3, []byte("udp to tcp"))
	if _, err := u.WriteToUDP(ua, net.UDPAddrFromAddrPort(r.Addr())); err != nil {
		t.Fatal(err)
	}
	if p := readTCP(a); !bytes.Equal(p, ua) {
		t.Fatalf("A got %x, want %x", p, ua)
	}
}

func FuzzHandleV2(f *testing.F) {
	f.Add(v2Hello(v2Tag(tagA, 1)))
	f.Add(v2Data(tagA, 2, 1, []byte{1, 2, 3}))
	t1 := v2Tag(tagA, 1)
	f.Add(append(t1[:], 0, 0, 0, 0))
	r := &Relay{calls: map[wire.Tag]*call{}}
	r.handle(v2Hello(v2Tag(tagA, 2)), addA, time.Unix(1, 0))
	tcp := &tcpClient{}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, o := range r.handle(b, addB, time.Unix(2, 0)) {
			if len(o.b) < 16 {
				t.Fatalf("short output %x", o.b)
			}
		}
		if len(r.v2) > maxV2Ports {
			t.Fatalf("%d ports registered", len(r.v2))
		}
		outs, ok := r.handleV2(b, endpoint{tcp: tcp}, time.Unix(3, 0))
		if !ok {
			t.Fatal("TCP traffic left to the libtgvoip logic")
		}
		for _, o := range outs {
			if len(o.b) < v2DataHead {
				t.Fatalf("short output %x", o.b)
			}
		}
	})
}
