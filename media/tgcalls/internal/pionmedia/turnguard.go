package pionmedia

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/pion/stun/v3"
	"github.com/pion/transport/v4"

	"github.com/tgphone/tgphone/internal/rawudp"
	"github.com/tgphone/tgphone/media"
)

// Net gives pion's TURN clients sockets that refuse what would stop them.
// pion/turn v5.0.12's Client.Listen ends its read loop for good on the
// first datagram it cannot handle (ChannelData on a channel it never bound,
// a STUN message that does not decode): one forged packet from the relay's
// address silenced the call's media for the rest of the call. ListenPacket
// is what pion's ICE agent opens only for UDP TURN; host and server-reflexive
// candidates use ListenUDP, whose sockets are only kept off synthetic
// addresses.
//
// Synthetic addresses (Synthetic) stand for ports on Telegram reflectors in
// the V2 engine (media/tgcalls/reflectorport.go); no real socket sends to
// one, and a real TURN server is never asked for a permission to one.
type Net struct {
	transport.Net
	Log     *slog.Logger
	Rejects *media.Rejects
	// Divert, when set, takes TURN clients' traffic for synthetic
	// addresses (the V2 engine's in-process reflector façades).
	Divert Diverter
}

// Diverter is what Net hands TURN clients' connections to.
type Diverter interface {
	// PacketConn is handed each UDP TURN client's socket before it is
	// used, with the guarded socket to use unless the client's first
	// datagram turns out to be for a synthetic address.
	PacketConn(pc net.PacketConn, guarded func() net.PacketConn) net.PacketConn
	// DialTCP is asked for each TCP TURN connection to a synthetic
	// address; pion reads the returned conn's addresses as *net.TCPAddr.
	DialTCP(raddr *net.TCPAddr) (transport.TCPConn, error)
}

// ListenPacket opens a TURN client's socket.
func (n Net) ListenPacket(network, address string) (net.PacketConn, error) {
	pc, err := n.Net.ListenPacket(network, address)
	if err != nil {
		return nil, err
	}
	guarded := func() net.PacketConn {
		return &turnConn{PacketConn: pc, raw: rawudp.New(pc), net: n, channels: map[uint16]bool{}}
	}
	if n.Divert == nil {
		return guarded(), nil
	}
	return n.Divert.PacketConn(pc, guarded), nil
}

// DialTCP opens a TCP TURN client's connection (pion's ICE agent dials TCP
// only for turn:...?transport=tcp URLs). A synthetic address is never
// dialled on the network: it is the Diverter's, or refused.
func (n Net) DialTCP(network string, laddr, raddr *net.TCPAddr) (transport.TCPConn, error) {
	if raddr != nil && IsSynthetic(raddr.IP) {
		if n.Divert == nil {
			return nil, fmt.Errorf("dial %s: %w", raddr, errSyntheticDial)
		}
		return n.Divert.DialTCP(raddr)
	}
	return n.Net.DialTCP(network, laddr, raddr)
}

var errSyntheticDial = errors.New("synthetic address without a reflector")

// ListenUDP opens a host or server-reflexive candidate's socket.
func (n Net) ListenUDP(network string, addr *net.UDPAddr) (transport.UDPConn, error) {
	c, err := n.Net.ListenUDP(network, addr)
	if err != nil {
		return nil, err
	}
	return newSyntheticGuard(c), nil
}

// turnConn carries one TURN client's traffic with its server: STUN messages
// and ChannelData on the channels the client bound, nothing else.
//
// It reads and writes a *net.UDPConn through internal/rawudp: a relayed
// call's datagrams, 50 a second each way, then no longer enter the runtime
// as system calls, each of which wakes the runtime's sysmon from its sleep
// into 20 µs polling when it arrives while the process is idle.
type turnConn struct {
	net.PacketConn
	raw *rawudp.Conn // PacketConn's reads and writes (one reader: pion's TURN client)
	net Net

	mu       sync.Mutex
	channels map[uint16]bool // bound by the client, learnt from what it sends
	refused  []injected      // answers made here, for ReadFrom
	deadline time.Time       // the read deadline the client set
}

// injected is a response made here instead of by the server.
type injected struct {
	b    []byte
	from net.Addr
}

func (c *turnConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	if peerIsSynthetic(b) {
		// A peer's reflector port is no address a real TURN server can
		// reach: the request would only leave the machine. A request is
		// refused here at once (403): pion's relay conn waits for the
		// permission inside the ICE agent's loop, which a silent drop
		// stalled for seconds.
		if resp := forbidden(b); resp != nil {
			c.mu.Lock()
			c.refused = append(c.refused, injected{resp, addr})
			c.mu.Unlock()
			_ = c.PacketConn.SetReadDeadline(time.Now()) // wake ReadFrom
		}
		return len(b), nil
	}
	if num, ok := channelNumber(b); ok {
		c.bind(num)
	} else if num, ok := channelBindRequest(b); ok {
		c.bind(num)
	}
	if ua, ok := addr.(*net.UDPAddr); ok {
		return c.raw.WriteTo(b, ua.AddrPort())
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
		c.mu.Lock()
		if len(c.refused) > 0 {
			r := c.refused[0]
			c.refused = c.refused[1:]
			deadline := c.deadline
			c.mu.Unlock()
			_ = c.PacketConn.SetReadDeadline(deadline)
			return copy(p, r.b), r.from, nil
		}
		c.mu.Unlock()
		n, from, err := c.raw.ReadFrom(p)
		if err != nil {
			c.mu.Lock()
			woken := len(c.refused) > 0
			c.mu.Unlock()
			if woken {
				continue
			}
			return n, nil, err
		}
		reason := c.refuse(p[:n])
		if reason == "" {
			return n, net.UDPAddrFromAddrPort(from), nil
		}
		c.net.Rejects.Add(c.net.Log, reason, "src", from)
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

// peerIsSynthetic reports a TURN request or indication whose XOR-PEER-ADDRESS
// is a synthetic reflector address.
func peerIsSynthetic(b []byte) bool {
	if !stun.IsMessage(b) {
		return false
	}
	m := &stun.Message{Raw: append([]byte(nil), b...)}
	if m.Decode() != nil {
		return false
	}
	var peer stun.XORMappedAddress // XOR-PEER-ADDRESS is encoded alike
	if peer.GetFromAs(m, stun.AttrXORPeerAddress) != nil {
		return false
	}
	return IsSynthetic(peer.IP)
}

func (c *turnConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadline = t
	c.mu.Unlock()
	return c.PacketConn.SetReadDeadline(t)
}

func (c *turnConn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.PacketConn.SetWriteDeadline(t)
}

// forbidden is a 403 error response to a TURN request, nil for anything else.
func forbidden(b []byte) []byte {
	m := &stun.Message{Raw: append([]byte(nil), b...)}
	if m.Decode() != nil || m.Type.Class != stun.ClassRequest {
		return nil
	}
	resp, err := stun.Build(stun.NewTransactionIDSetter(m.TransactionID),
		stun.NewType(m.Type.Method, stun.ClassErrorResponse), stun.CodeForbidden)
	if err != nil {
		return nil
	}
	return resp.Raw
}
