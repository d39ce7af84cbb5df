package pionmedia

import (
	"net"
	"net/netip"

	"github.com/pion/transport/v4"
)

// Synthetic holds the addresses that stand for ports on Telegram reflectors
// in the V2 engine: 240.0.0.0/4, reserved and never routed, so nothing real
// is ever behind one.
var Synthetic = netip.MustParsePrefix("240.0.0.0/4")

// IsSynthetic reports whether ip is in Synthetic.
func IsSynthetic(ip net.IP) bool {
	a, ok := netip.AddrFromSlice(ip)
	return ok && Synthetic.Contains(a.Unmap())
}

// syntheticGuard drops what a real socket would send to a synthetic address
// (a host or TURN candidate paired with a peer's reflector candidate).
type syntheticGuard struct {
	transport.UDPConn
}

func (g syntheticGuard) WriteTo(b []byte, to net.Addr) (int, error) {
	if ua, ok := to.(*net.UDPAddr); ok && IsSynthetic(ua.IP) {
		return len(b), nil
	}
	return g.UDPConn.WriteTo(b, to)
}

func (g syntheticGuard) WriteToUDP(b []byte, to *net.UDPAddr) (int, error) {
	if to != nil && IsSynthetic(to.IP) {
		return len(b), nil
	}
	return g.UDPConn.WriteToUDP(b, to)
}

// ReadFromAddrPort and WriteToAddrPort keep pion's allocation-free path
// (ice.AddrPortReaderWriter) for host sockets behind the guard.
func (g syntheticGuard) ReadFromAddrPort(b []byte) (int, netip.AddrPort, error) {
	if u, ok := g.UDPConn.(*net.UDPConn); ok {
		return u.ReadFromUDPAddrPort(b)
	}
	n, a, err := g.UDPConn.ReadFrom(b)
	if ua, ok := a.(*net.UDPAddr); ok {
		return n, ua.AddrPort(), err
	}
	return n, netip.AddrPort{}, err
}

func (g syntheticGuard) WriteToAddrPort(b []byte, to netip.AddrPort) (int, error) {
	if Synthetic.Contains(to.Addr().Unmap()) {
		return len(b), nil
	}
	if u, ok := g.UDPConn.(*net.UDPConn); ok {
		return u.WriteToUDPAddrPort(b, to)
	}
	return g.UDPConn.WriteTo(b, net.UDPAddrFromAddrPort(to))
}
