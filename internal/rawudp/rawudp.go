// Package rawudp reads and writes the datagrams of a Go UDP socket with
// raw system calls, which the Go runtime does not account as system calls.
//
// Why: a call's media is a few small datagrams every 20–60 ms, and on the
// 2-core machine of the README's figures most of a call's CPU is the Go
// runtime waking threads around them, not the work on them. One part of
// that is the runtime's monitor thread (sysmon): while every processor is
// idle it sleeps until the next timer, and a goroutine entering a system
// call wakes it early and puts it back to polling every 20 µs
// (runtime.entersyscall → sysmon's syscallWake), so every datagram that
// arrives between two audio periods costs it several more sleeps and
// wake-ups. The socket is non-blocking (Go sets O_NONBLOCK), so recvfrom
// and sendto return at once and a raw system call is safe: when nothing is
// ready, Conn waits in the network poller as net.UDPConn does.
package rawudp

import (
	"net"
	"net/netip"
	"sync"
)

// Conn wraps a net.PacketConn. On Linux, for a *net.UDPConn, it reads and
// writes with raw system calls; otherwise with the connection's own
// methods. One goroutine at a time may read; any number may write.
type Conn struct {
	pc  net.PacketConn
	raw *raw // nil: use pc

	rd readState // the reader's, reused: reading allocates nothing

	wmu sync.Mutex // guards wr
	wr  writeState
}

// New wraps pc.
func New(pc net.PacketConn) *Conn {
	c := &Conn{pc: pc, raw: newRaw(pc)}
	c.initState()
	return c
}

// ReadFrom reads one datagram into b: its length and sender (an IPv4
// sender read on an IPv6 socket comes as an IPv4-mapped address, as from
// net.UDPConn). Errors are those of the connection: net.ErrClosed once it
// is closed, a timeout past its read deadline.
func (c *Conn) ReadFrom(b []byte) (int, netip.AddrPort, error) {
	if c.raw == nil {
		n, from, err := c.pc.ReadFrom(b)
		if err != nil {
			return n, netip.AddrPort{}, err
		}
		ua, ok := from.(*net.UDPAddr)
		if !ok {
			return n, netip.AddrPort{}, nil
		}
		return n, ua.AddrPort(), nil
	}
	return c.readRaw(b)
}

// WriteTo sends b as one datagram to to.
func (c *Conn) WriteTo(b []byte, to netip.AddrPort) (int, error) {
	if c.raw == nil {
		return c.pc.WriteTo(b, net.UDPAddrFromAddrPort(to))
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.writeRaw(b, to)
}
