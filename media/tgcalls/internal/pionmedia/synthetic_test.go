package pionmedia

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/transport/v4/stdnet"
)

// TestHostSocketGuard: a host candidate's socket from Net.ListenUDP carries
// datagrams both ways through its allocation-free and its net.Addr
// methods, and drops what would go to a synthetic address.
func TestHostSocketGuard(t *testing.T) {
	std, err := stdnet.NewNet()
	if err != nil {
		t.Fatal(err)
	}
	c, err := Net{Net: std}.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	g, ok := c.(syntheticGuard)
	if !ok {
		t.Fatalf("ListenUDP gave a %T", c)
	}
	peer, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	peerAP := peer.LocalAddr().(*net.UDPAddr).AddrPort()
	ours := c.LocalAddr().(*net.UDPAddr).AddrPort()
	synthetic := netip.AddrPortFrom(netip.MustParseAddr("240.0.0.7"), peerAP.Port())

	// Dropped without an error: nothing reaches the peer from these.
	if n, err := g.WriteToAddrPort([]byte("x"), synthetic); err != nil || n != 1 {
		t.Fatalf("to a synthetic address: %d, %v", n, err)
	}
	if n, err := g.WriteTo([]byte("x"), net.UDPAddrFromAddrPort(synthetic)); err != nil || n != 1 {
		t.Fatalf("to a synthetic address: %d, %v", n, err)
	}
	if _, err := g.WriteToAddrPort([]byte("one"), peerAP); err != nil {
		t.Fatal(err)
	}
	if _, err := g.WriteTo([]byte("two"), net.UDPAddrFromAddrPort(peerAP)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	_ = peer.SetReadDeadline(time.Now().Add(10 * time.Second))
	for _, want := range []string{"one", "two"} {
		n, from, err := peer.ReadFromUDPAddrPort(buf)
		if err != nil || string(buf[:n]) != want || from != ours {
			t.Fatalf("peer read %q from %v (%v), want %q from %v", buf[:n], from, err, want, ours)
		}
	}

	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := peer.WriteToUDPAddrPort([]byte("three"), ours); err != nil {
		t.Fatal(err)
	}
	n, from, err := g.ReadFromAddrPort(buf)
	if err != nil || string(buf[:n]) != "three" || from != peerAP {
		t.Fatalf("read %q from %v (%v)", buf[:n], from, err)
	}
	if _, err := peer.WriteToUDPAddrPort([]byte("four"), ours); err != nil {
		t.Fatal(err)
	}
	n, addr, err := g.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "four" || addr.(*net.UDPAddr).AddrPort() != peerAP {
		t.Fatalf("read %q from %v (%v)", buf[:n], addr, err)
	}

	// The read deadline still applies.
	_ = c.SetReadDeadline(time.Now().Add(-time.Second))
	if _, _, err := g.ReadFromAddrPort(buf); err == nil {
		t.Fatal("read past the deadline")
	}
}
