package reference

// A copy of media/tgcalls/turnguard.go: pion's TURN client is the same under
// a PeerConnection as under the ORTC objects, and so is its weakness.

import (
	"encoding/binary"
	"log/slog"
	"net"
	"sync"

	"github.com/pion/stun/v3"
	"github.com/pion/transport/v4"
	"github.com/tgphone/tgphone/media"
)

// guardedNet gives pion's TURN clients sockets that refuse what would stop
// them. pion/turn v5.0.12's Client.Listen ends its read loop for good on the
// first datagram it cannot handle (ChannelData on a channel it never bound,
// a STUN message that does not decode): one forged packet from the relay's
// address silenced the call's media for the rest of the call. ListenPacket
// is what pion's ICE agent opens only for UDP TURN; host and server-reflexive
// candidates use ListenUDP and are left alone.
type guardedNet struct {
	transport.Net
	log     *slog.Logger
	rejects *media.Rejects
}

func (n guardedNet) ListenPacket(network, address string) (net.PacketConn, error) {
	pc, err := n.Net.ListenPacket(network, address)
	if err != nil {
		return nil, err
	}
	return &turnConn{PacketConn: pc, net: n, channels: map[uint16]bool{}}, nil
}

// turnConn carries one TURN client's traffic with its server: STUN messages
// and ChannelData on the channels the client bound, nothing else.
type turnConn struct {
	net.PacketConn
	net guardedNet

	mu       sync.Mutex
	channels map[uint16]bool // bound by the client, learnt from what it sends
}

func (c *turnConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	if num, ok := channelNumber(b); ok {
		c.bind(num)
	} else if num, ok := channelBindRequest(b); ok {
		c.bind(num)
	}
	return c.PacketConn.WriteTo(b, addr)
}

func (c *turnConn) bind(num uint16) {
	c.mu.Lock()
	c.channels[num] = true
	c.mu.Unlock()
}

func (c *turnConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.PacketConn.ReadFrom(p)
		if err != nil {
			return n, addr, err
		}
		reason := c.refuse(p[:n])
		if reason == "" {
			return n, addr, nil
		}
		c.net.rejects.Add(c.net.log, reason, "src", addr)
	}
}

// refuse names what is wrong with an incoming datagram, or "".
func (c *turnConn) refuse(b []byte) string {
	if stun.IsMessage(b) {
		m := &stun.Message{Raw: append([]byte(nil), b...)}
		if m.Decode() != nil {
			return "turn: malformed STUN"
		}
		return ""
	}
	if num, ok := channelNumber(b); ok {
		c.mu.Lock()
		bound := c.channels[num]
		c.mu.Unlock()
		if !bound {
			return "turn: unbound channel"
		}
		return ""
	}
	return "turn: neither STUN nor channel data"
}

// channelNumber reads a ChannelData header (RFC 8656 §12.4) whose length
// fits the datagram, as pion's client accepts them.
func channelNumber(b []byte) (uint16, bool) {
	if len(b) < 4 {
		return 0, false
	}
	num := binary.BigEndian.Uint16(b)
	if num < 0x4000 || num > 0x7fff || int(binary.BigEndian.Uint16(b[2:])) > len(b)-4 {
		return 0, false
	}
	return num, true
}

// channelBindRequest reads the CHANNEL-NUMBER of a ChannelBind request.
func channelBindRequest(b []byte) (uint16, bool) {
	if !stun.IsMessage(b) {
		return 0, false
	}
	m := &stun.Message{Raw: append([]byte(nil), b...)}
	if m.Decode() != nil || m.Type != stun.NewType(stun.MethodChannelBind, stun.ClassRequest) {
		return 0, false
	}
	v, err := m.Get(stun.AttrChannelNumber)
	if err != nil || len(v) < 2 {
		return 0, false
	}
	return binary.BigEndian.Uint16(v), true
}
