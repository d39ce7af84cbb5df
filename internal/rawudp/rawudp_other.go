//go:build !linux

package rawudp

import (
	"net"
	"net/netip"
)

// raw is never made off Linux: Conn uses the connection's own methods.
type raw struct{}

func newRaw(net.PacketConn) *raw { return nil }

type readState struct{}
type writeState struct{}

func (c *Conn) initState() {}

func (c *Conn) readRaw([]byte) (int, netip.AddrPort, error)  { panic("rawudp: no raw reads here") }
func (c *Conn) writeRaw([]byte, netip.AddrPort) (int, error) { panic("rawudp: no raw writes here") }
