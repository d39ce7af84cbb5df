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
		return newTurnConn(pc, n, func(d time.Duration, f func()) stopper { return time.AfterFunc(d, f) })
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
//
// It also keeps pion's ICE agent from waiting on a lossy path for a
// CreatePermission (earlyPermission).
type turnConn struct {
	net.PacketConn
	raw   *rawudp.Conn // PacketConn's reads and writes (one reader: pion's TURN client)
	net   Net
	after func(time.Duration, func()) stopper // time.AfterFunc; tests run the timers themselves

	mu       sync.Mutex
	channels map[uint16]bool // bound by the client, learnt from what it sends
	answers  []injected      // answers made here, for ReadFrom
	deadline time.Time       // the read deadline the client set
	peers    map[string]bool // peer IPs the client asked a permission for
	early    map[[stun.TransactionIDSize]byte]*earlyPermission
	closed   bool
}

// stopper is a timer as turnConn uses one.
type stopper interface{ Stop() bool }

func newTurnConn(pc net.PacketConn, n Net, after func(time.Duration, func()) stopper) *turnConn {
	return &turnConn{PacketConn: pc, raw: rawudp.New(pc), net: n, after: after,
		channels: map[uint16]bool{}, peers: map[string]bool{},
		early: map[[stun.TransactionIDSize]byte]*earlyPermission{}}
}

// earlyPermission is a TURN client's first CreatePermission for a peer,
// answered here and sent to the server until the server answers.
//
// pion's relay connection (turn/v5 UDPConn.WriteTo) sends nothing to a new
// peer until its CreatePermission transaction is over, and pion's ICE agent
// writes its connectivity checks from its one loop: while the request or its
// answer is lost and retransmitted (after 200, 400, 800 ms…), every check
// of every candidate pair waits, the Telegram reflector's too. Through a
// relay losing a fifth of the packets, 1.4 s of a call's connecting went
// so. libwebrtc's TurnPort (tgcalls) sends the request and goes on: data for
// the peer leaves at once as Send indications, and what reaches the server
// before the permission is dropped there, to be repeated by ICE. So a
// first permission is answered here at once, and retransmitted here on
// pion's own schedule (permissionRTO, permissionSends) until the server
// answers, an answer then not passed on. pion's refreshes, which name
// peers asked for before, come from its timer goroutine and pass as they
// are.
type earlyPermission struct {
	raw   []byte
	to    net.Addr
	sends int
	rto   time.Duration
	timer stopper
}

const (
	permissionRTO   = 200 * time.Millisecond // pion/turn's first retransmission, doubled after each
	permissionSends = 7                      // pion/turn's sends of a request
)

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
			c.answer(resp, addr)
		}
		return len(b), nil
	}
	if num, ok := channelNumber(b); ok {
		c.bind(num)
	} else if num, ok := channelBindRequest(b); ok {
		c.bind(num)
	} else if tid, ok := c.firstPermission(b); ok {
		return c.permitEarly(b, addr, tid)
	}
	return c.write(b, addr)
}

func (c *turnConn) write(b []byte, addr net.Addr) (int, error) {
	if ua, ok := addr.(*net.UDPAddr); ok {
		return c.raw.WriteTo(b, ua.AddrPort())
	}
	return c.PacketConn.WriteTo(b, addr)
}

// answer queues a response made here for ReadFrom and wakes it.
func (c *turnConn) answer(resp []byte, from net.Addr) {
	c.mu.Lock()
	c.answers = append(c.answers, injected{resp, from})
	c.mu.Unlock()
	_ = c.PacketConn.SetReadDeadline(time.Now()) // wake ReadFrom
}

// firstPermission reports a CreatePermission request naming a peer IP the
// client never asked a permission for (pion's relay conn's first write to
// it), and notes its peers.
func (c *turnConn) firstPermission(b []byte) ([stun.TransactionIDSize]byte, bool) {
	if !stun.IsMessage(b) {
		return [stun.TransactionIDSize]byte{}, false
	}
	m := &stun.Message{Raw: append([]byte(nil), b...)}
	if m.Decode() != nil || m.Type != stun.NewType(stun.MethodCreatePermission, stun.ClassRequest) {
		return [stun.TransactionIDSize]byte{}, false
	}
	first := false
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, a := range m.Attributes {
		if a.Type != stun.AttrXORPeerAddress {
			continue
		}
		var peer stun.XORMappedAddress // XOR-PEER-ADDRESS is encoded alike
		if peer.GetFromAs(&stun.Message{TransactionID: m.TransactionID, Attributes: stun.Attributes{a}}, stun.AttrXORPeerAddress) != nil {
			continue
		}
		if ip := peer.IP.String(); !c.peers[ip] {
			c.peers[ip] = true
			first = true
		}
	}
	return m.TransactionID, first
}

// permitEarly sends a first CreatePermission, answers it here and keeps
// sending it until the server answers (earlyPermission).
func (c *turnConn) permitEarly(b []byte, to net.Addr, tid [stun.TransactionIDSize]byte) (int, error) {
	if n, err := c.write(b, to); err != nil {
		return n, err // the transaction fails in pion as it would have
	}
	ok, err := stun.Build(stun.NewTransactionIDSetter(tid), stun.NewType(stun.MethodCreatePermission, stun.ClassSuccessResponse))
	if err != nil {
		return 0, fmt.Errorf("answer a permission request: %w", err)
	}
	p := &earlyPermission{raw: append([]byte(nil), b...), to: to, sends: 1, rto: permissionRTO}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return 0, net.ErrClosed
	}
	p.timer = c.after(p.rto, func() { c.resendPermission(tid) })
	c.early[tid] = p
	c.mu.Unlock()
	c.answer(ok.Raw, to)
	return len(b), nil
}

// resendPermission sends an early permission's request again, or gives up
// after pion's number of sends.
func (c *turnConn) resendPermission(tid [stun.TransactionIDSize]byte) {
	c.mu.Lock()
	p := c.early[tid]
	if p == nil || c.closed {
		c.mu.Unlock()
		return
	}
	if p.sends >= permissionSends {
		delete(c.early, tid)
		c.mu.Unlock()
		c.net.Log.Warn("turn: the server never answered a permission request", "server", p.to, "sends", p.sends)
		return
	}
	p.sends++
	p.rto *= 2
	p.timer = c.after(p.rto, func() { c.resendPermission(tid) })
	c.mu.Unlock()
	if _, err := c.write(p.raw, p.to); errors.Is(err, net.ErrClosed) {
		c.mu.Lock()
		p.timer.Stop()
		delete(c.early, tid)
		c.mu.Unlock()
	}
}

// answeredEarly takes the server's answer to a permission request already
// answered here: it ends the retransmission and is not passed on.
func (c *turnConn) answeredEarly(b []byte) bool {
	if !stun.IsMessage(b) || len(b) < 20 {
		return false
	}
	tid := [stun.TransactionIDSize]byte(b[8:20])
	c.mu.Lock()
	p := c.early[tid]
	if p != nil {
		p.timer.Stop()
		delete(c.early, tid)
	}
	c.mu.Unlock()
	if p == nil {
		return false
	}
	m := &stun.Message{Raw: append([]byte(nil), b...)}
	var code stun.ErrorCodeAttribute
	if m.Decode() == nil && m.Type.Class == stun.ClassErrorResponse && code.GetFrom(m) == nil {
		// pion holds the permission granted; the pairs through this
		// relay fail their checks until its refresh asks again.
		c.net.Log.Warn("turn: the server refused a permission answered early", "server", p.to, "code", code.Code, "reason", string(code.Reason))
	}
	return true
}

// Close ends the retransmissions and closes the socket.
func (c *turnConn) Close() error {
	c.mu.Lock()
	c.closed = true
	for tid, p := range c.early {
		p.timer.Stop()
		delete(c.early, tid)
	}
	c.mu.Unlock()
	return c.PacketConn.Close()
}

func (c *turnConn) bind(num uint16) {
	c.mu.Lock()
	c.channels[num] = true
	c.mu.Unlock()
}

func (c *turnConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		c.mu.Lock()
		if len(c.answers) > 0 {
			r := c.answers[0]
			c.answers = c.answers[1:]
			deadline := c.deadline
			c.mu.Unlock()
			_ = c.PacketConn.SetReadDeadline(deadline)
			return copy(p, r.b), r.from, nil
		}
		c.mu.Unlock()
		n, from, err := c.raw.ReadFrom(p)
		if err != nil {
			c.mu.Lock()
			woken := len(c.answers) > 0
			c.mu.Unlock()
			if woken {
				continue
			}
			return n, nil, err
		}
		if c.answeredEarly(p[:n]) {
			continue
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
