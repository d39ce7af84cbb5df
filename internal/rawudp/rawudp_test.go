package rawudp

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"
)

// wrapped hides the *net.UDPConn, so Conn takes its fallback path.
type wrapped struct{ net.PacketConn }

func listen(t testing.TB, network, addr string) net.PacketConn {
	t.Helper()
	pc, err := net.ListenPacket(network, addr)
	if err != nil {
		t.Skipf("listen %s %s: %v", network, addr, err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc
}

func addrOf(pc net.PacketConn) netip.AddrPort { return pc.LocalAddr().(*net.UDPAddr).AddrPort() }

func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name             string
		network, a, b    string
		to               func(netip.AddrPort) netip.AddrPort
		wrapA, wrapB     bool
		wantFromUnmapped string
	}{
		{name: "ipv4", network: "udp4", a: "127.0.0.1:0", b: "127.0.0.1:0"},
		// A socket bound to ":0" is IPv6 with IPv4 mapped: IPv4 peers are
		// written to and read from as mapped addresses.
		{name: "dual stack to ipv4", network: "udp", a: ":0", b: "127.0.0.1:0",
			to: func(ap netip.AddrPort) netip.AddrPort {
				return netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), ap.Port())
			}},
		{name: "ipv6", network: "udp6", a: "[::1]:0", b: "[::1]:0"},
		{name: "fallback", network: "udp4", a: "127.0.0.1:0", b: "127.0.0.1:0", wrapA: true, wrapB: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pa := listen(t, tc.network, tc.a)
			pb := listen(t, tc.network, tc.b)
			if tc.wrapA {
				pa = wrapped{pa}
			}
			if tc.wrapB {
				pb = wrapped{pb}
			}
			a, b := New(pa), New(pb)
			if (a.raw == nil) != tc.wrapA {
				t.Fatalf("raw path = %v, want %v", a.raw != nil, !tc.wrapA)
			}
			to := addrOf(pb)
			if tc.to != nil {
				to = tc.to(to)
			}
			msg := []byte("twenty milliseconds of opus")
			if n, err := a.WriteTo(msg, to); err != nil || n != len(msg) {
				t.Fatalf("write: %d, %v", n, err)
			}
			buf := make([]byte, 64)
			n, from, err := b.ReadFrom(buf)
			if err != nil || !bytes.Equal(buf[:n], msg) {
				t.Fatalf("read: %q, %v", buf[:n], err)
			}
			if got, want := from.Port(), addrOf(pa).Port(); got != want {
				t.Fatalf("sender port %d, want %d", got, want)
			}
			if !from.Addr().Unmap().IsLoopback() {
				t.Fatalf("sender %v, want loopback", from)
			}
			// And back, to the address read.
			if _, err := b.WriteTo([]byte("ack"), from); err != nil {
				t.Fatalf("write back: %v", err)
			}
			if n, _, err := a.ReadFrom(buf); err != nil || string(buf[:n]) != "ack" {
				t.Fatalf("read back: %q, %v", buf[:n], err)
			}
		})
	}
}

func TestIPv6ToIPv4Socket(t *testing.T) {
	c := New(listen(t, "udp4", "127.0.0.1:0"))
	if _, err := c.WriteTo([]byte("x"), netip.MustParseAddrPort("[::1]:9")); err == nil {
		t.Fatal("IPv6 destination on an IPv4 socket: no error")
	}
}

func TestDeadlineAndClose(t *testing.T) {
	pc := listen(t, "udp4", "127.0.0.1:0")
	c := New(pc)
	if err := pc.SetReadDeadline(time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.ReadFrom(make([]byte, 8)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("past deadline: %v", err)
	}
	if err := pc.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := c.ReadFrom(make([]byte, 8))
		done <- err
	}()
	pc.Close()
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("read on a closed socket: %v", err)
	}
	if _, err := c.WriteTo([]byte("x"), addrOf(listen(t, "udp4", "127.0.0.1:0"))); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write on a closed socket: %v", err)
	}
}

// BenchmarkRoundTrip is one 160-byte datagram written and read over
// loopback, with raw system calls and through net.UDPConn.
func BenchmarkRoundTrip(b *testing.B) {
	for _, tc := range []struct {
		name string
		wrap bool
	}{{"raw", false}, {"net.UDPConn", true}} {
		b.Run(tc.name, func(b *testing.B) {
			pa, pb := listen(b, "udp4", "127.0.0.1:0"), listen(b, "udp4", "127.0.0.1:0")
			if tc.wrap {
				pa, pb = wrapped{pa}, wrapped{pb}
			}
			a, c := New(pa), New(pb)
			to := addrOf(pb)
			msg, buf := make([]byte, 160), make([]byte, 2048)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.WriteTo(msg, to); err != nil {
					b.Fatal(err)
				}
				if _, _, err := c.ReadFrom(buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
