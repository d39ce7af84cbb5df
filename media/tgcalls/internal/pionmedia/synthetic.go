package pionmedia

import (
	"net"
	"net/netip"

	"github.com/pion/transport/v4"

	"github.com/tgphone/tgphone/internal/rawudp"
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
// (a host or TURN candidate paired with a peer's reflector candidate). It
// reads and writes a *net.UDPConn through internal/rawudp: a host
// candidate's datagrams, 50 a second each way on a direct call, then no
// longer enter the runtime as system calls, each of which wakes the
// runtime's sysmon from its sleep into 20 µs polling when it arrives while
// the process is idle (see rawudp).
type syntheticGuard struct {
	transport.UDPConn
	raw *rawudp.Conn
}

func newSyntheticGuard(c transport.UDPConn) syntheticGuard {
	return syntheticGuard{UDPConn: c, raw: rawudp.New(c)}
}

func (g syntheticGuard) WriteTo(b []byte, to net.Addr) (int, error) {
	ua, ok := to.(*net.UDPAddr)
	if !ok {
		return g.UDPConn.WriteTo(b, to)
	}
	if IsSynthetic(ua.IP) {
		return len(b), nil
	}
	return g.raw.WriteTo(b, ua.AddrPort())
}

func (g syntheticGuard) WriteToUDP(b []byte, to *net.UDPAddr) (int, error) {
	if to == nil {
		return g.UDPConn.WriteToUDP(b, to)
	}
	if IsSynthetic(to.IP) {
		return len(b), nil
	}
	return g.raw.WriteTo(b, to.AddrPort())
}

func (g syntheticGuard) ReadFrom(b []byte) (int, net.Addr, error) {
	n, from, err := g.raw.ReadFrom(b)
	if err != nil {
		return n, nil, err
	}
	return n, net.UDPAddrFromAddrPort(from), nil
}

// ReadFromAddrPort and WriteToAddrPort keep pion's allocation-free path
// (ice.AddrPortReaderWriter) for host sockets behind the guard.
func (g syntheticGuard) ReadFromAddrPort(b []byte) (int, netip.AddrPort, error) {
	return g.raw.ReadFrom(b)
}

func (g syntheticGuard) WriteToAddrPort(b []byte, to netip.AddrPort) (int, error) {
	if Synthetic.Contains(to.Addr().Unmap()) {
		return len(b), nil
	}
	return g.raw.WriteTo(b, to)
}
