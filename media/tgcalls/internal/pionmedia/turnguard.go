package pionmedia

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
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
	channels map[uint16]bool   // bound by the client, learnt from what it sends
	chanPeer map[uint16]string // the peer IP of each channel the client asked to bind
	answers  []injected        // answers made here, for ReadFrom
	deadline time.Time         // the read deadline the client set
	peers    map[string]bool   // peer IPs the client asked a permission for
	early    map[[stun.TransactionIDSize]byte]*earlyPermission
	// refused holds the peer IPs whose early permission the server
	// refused (permissionRefusal); granted, those it granted a
	// permission-installing request for (a later refusal of an early
	// permission does not undo that); pending, the client's own requests
	// watched for the server's grant.
	refused map[string]bool
	granted map[string]bool
	pending map[[stun.TransactionIDSize]byte][]string
	closed  bool

	refusedSends atomic.Uint64 // data for refused peers not sent
}

// stopper is a timer as turnConn uses one.
type stopper interface{ Stop() bool }

func newTurnConn(pc net.PacketConn, n Net, after func(time.Duration, func()) stopper) *turnConn {
	return &turnConn{PacketConn: pc, raw: rawudp.New(pc), net: n, after: after,
		channels: map[uint16]bool{}, chanPeer: map[uint16]string{}, peers: map[string]bool{},
		early:   map[[stun.TransactionIDSize]byte]*earlyPermission{},
		refused: map[string]bool{}, granted: map[string]bool{},
		pending: map[[stun.TransactionIDSize]byte][]string{}}
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
	peers []string // the peer IPs it names
	sends int      // in this round
	rto   time.Duration
	round int // rounds of sends after a refusal (permissionRetries)
	timer stopper
}

const (
	permissionRTO   = 200 * time.Millisecond // pion/turn's first retransmission, doubled after each
	permissionSends = 7                      // pion/turn's sends of a request
	// permissionRetryWait is the wait before an early permission refused
	// for a reason that may pass (a timeout, a 5xx) is sent again,
	// doubled after each of permissionRetries rounds; then pion's own
	// refresh (2 min) asks again. The first is sent while pion's ICE
	// agent still checks the pairs (it gives a pair up after 8 checks,
	// 200 ms apart).
	permissionRetryWait = 500 * time.Millisecond
	permissionRetries   = 4
	pendingMax          = 64 // the client's requests watched for a refused peer
	reasonMax           = 64 // bytes of a server's REASON logged
)

// permissionRefusal: what is done when the server refuses an early
// permission (an error response, or no answer to its 7 sends).
//
// libwebrtc's TurnEntry (tgcalls) fails and prunes the connection to the
// peer (TurnPort::FailAndPruneConnection) on any CreatePermission error or
// timeout, but for a 438 Stale Nonce, which it signs again with the new
// nonce and resends. pion's ICE agent has no way in to fail a pair from
// here and its TURN client holds the permission granted (answered early),
// so turnConn stops pretending instead:
//   - data for the peer (Send indications, ChannelData on its channel) is
//     not sent and its write fails (errPermissionRefused): pion's ICE agent
//     logs it and does not mark the candidate as having sent, and the pair
//     fails once its 7 checks go unanswered while the others go on;
//   - a refusal that may pass (no answer, 5xx) is sent again after 0.5, 1,
//     2, 4 s, as signed by the client (turnConn holds no credentials);
//   - a request of the client's own naming the peer (its ChannelBind,
//     which installs the permission too, or its refresh) passes and, when
//     the server grants it, ends the refusal, or forestalls it: pion sends
//     its ChannelBind right after the permission answered early;
//   - the first refusal of a peer is logged once, with the server, the
//     peer, the code and the server's reason; never credentials.
var errPermissionRefused = errors.New("the TURN server refused the permission for this peer")

// refusal is the server's refusal of an early permission.
type refusal struct {
	code    int // ERROR-CODE, 0 when none (pion's server sends none) or timed out
	timeout bool
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
			c.answer(resp, addr)
		}
		return len(b), nil
	}
	if num, ok := channelNumber(b); ok {
		if peer, refused := c.bind(num); refused {
			return 0, c.refusedSend(peer)
		}
	} else if num, peer, tid, ok := channelBindRequest(b); ok {
		c.bindRequest(num, peer, tid)
	} else if tid, peers, ok := c.firstPermission(b); ok {
		return c.permitEarly(b, addr, tid, peers)
	} else if peer, ok := c.sendToRefused(b); ok {
		return 0, c.refusedSend(peer)
	}
	return c.write(b, addr)
}

// refusedSend counts data not sent to a refused peer and says why.
func (c *turnConn) refusedSend(peer string) error {
	c.refusedSends.Add(1)
	return fmt.Errorf("turn: send to %s: %w", peer, errPermissionRefused)
}

// sendToRefused reports a Send indication for a refused peer.
func (c *turnConn) sendToRefused(b []byte) (string, bool) {
	c.mu.Lock()
	none := len(c.refused) == 0
	c.mu.Unlock()
	if none || !stun.IsMessage(b) {
		return "", false
	}
	m := &stun.Message{Raw: append([]byte(nil), b...)}
	if m.Decode() != nil || m.Type != stun.NewType(stun.MethodSend, stun.ClassIndication) {
		return "", false
	}
	var peer stun.XORMappedAddress // XOR-PEER-ADDRESS is encoded alike
	if peer.GetFromAs(m, stun.AttrXORPeerAddress) != nil {
		return "", false
	}
	ip := peer.IP.String()
	c.mu.Lock()
	refused := c.refused[ip]
	c.mu.Unlock()
	return ip, refused
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
// it), with the peer IPs it names, and notes its peers. A later request
// (pion's refresh) naming a refused peer is watched (pending).
func (c *turnConn) firstPermission(b []byte) ([stun.TransactionIDSize]byte, []string, bool) {
	if !stun.IsMessage(b) {
		return [stun.TransactionIDSize]byte{}, nil, false
	}
	m := &stun.Message{Raw: append([]byte(nil), b...)}
	if m.Decode() != nil || m.Type != stun.NewType(stun.MethodCreatePermission, stun.ClassRequest) {
		return [stun.TransactionIDSize]byte{}, nil, false
	}
	first := false
	var peers []string
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
		ip := peer.IP.String()
		peers = append(peers, ip)
		if !c.peers[ip] {
			c.peers[ip] = true
			first = true
		}
	}
	if !first {
		c.watchLocked(m.TransactionID, peers, false)
	}
	return m.TransactionID, peers, first
}

// watchLocked notes a request of the client's naming peers, whose
// success ends their refusal or forestalls it (permissionRefusal): any
// ChannelBind (all), else one naming a refused peer. c.mu is held.
func (c *turnConn) watchLocked(tid [stun.TransactionIDSize]byte, peers []string, all bool) {
	var refused []string
	for _, ip := range peers {
		if c.refused[ip] || (all && ip != "" && !c.granted[ip]) {
			refused = append(refused, ip)
		}
	}
	if len(refused) == 0 {
		return
	}
	if len(c.pending) >= pendingMax {
		// Requests never answered; the next refresh is watched again.
		clear(c.pending)
	}
	c.pending[tid] = refused
}

// permitEarly sends a first CreatePermission, answers it here and keeps
// sending it until the server answers (earlyPermission).
func (c *turnConn) permitEarly(b []byte, to net.Addr, tid [stun.TransactionIDSize]byte, peers []string) (int, error) {
	if n, err := c.write(b, to); err != nil {
		return n, err // the transaction fails in pion as it would have
	}
	ok, err := stun.Build(stun.NewTransactionIDSetter(tid), stun.NewType(stun.MethodCreatePermission, stun.ClassSuccessResponse))
	if err != nil {
		return 0, fmt.Errorf("answer a permission request: %w", err)
	}
	p := &earlyPermission{raw: append([]byte(nil), b...), to: to, peers: peers, sends: 1, rto: permissionRTO}
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
		first := c.refuseLocked(tid, p, refusal{timeout: true})
		c.mu.Unlock()
		if len(first) > 0 {
			c.net.Log.Warn("turn: the server never answered a permission request; no data for the peer through this relay",
				"server", p.to, "peers", first, "sends", p.sends, "round", p.round)
		}
		return
	}
	if p.sends == 0 { // a new round after a refusal
		if !c.anyRefusedLocked(p.peers) { // granted meanwhile (a ChannelBind)
			delete(c.early, tid)
			c.mu.Unlock()
			return
		}
		p.round++
		p.rto = permissionRTO
	} else {
		p.rto *= 2
	}
	p.sends++
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
// answered here: it ends the retransmission and is not passed on. A
// refusal is handled as permissionRefusal says. What does not decode, or
// answers another method, is no answer to it.
func (c *turnConn) answeredEarly(b []byte) bool {
	if !stun.IsMessage(b) || len(b) < 20 {
		return false
	}
	tid := [stun.TransactionIDSize]byte(b[8:20])
	c.mu.Lock()
	p := c.early[tid]
	c.mu.Unlock()
	if p == nil {
		return false
	}
	m := &stun.Message{Raw: append([]byte(nil), b...)}
	if m.Decode() != nil || m.Type.Method != stun.MethodCreatePermission ||
		(m.Type.Class != stun.ClassSuccessResponse && m.Type.Class != stun.ClassErrorResponse) {
		return false
	}
	c.mu.Lock()
	if c.early[tid] != p {
		c.mu.Unlock()
		return true // answered meanwhile: a duplicate
	}
	if m.Type.Class == stun.ClassSuccessResponse {
		p.timer.Stop()
		delete(c.early, tid)
		granted := c.grantLocked(p.peers)
		c.mu.Unlock()
		if len(granted) > 0 {
			c.net.Log.Info("turn: the server granted a refused permission", "server", p.to, "peers", granted, "round", p.round)
		}
		return true
	}
	var code stun.ErrorCodeAttribute
	r := refusal{}
	if code.GetFrom(m) == nil {
		r.code = int(code.Code)
	}
	first := c.refuseLocked(tid, p, r)
	c.mu.Unlock()
	if len(first) > 0 {
		c.net.Log.Warn("turn: the server refused a permission answered early; no data for the peer through this relay",
			"server", p.to, "peers", first, "code", r.code, "reason", reasonOf(code.Reason), "retry", transient(r))
	}
	return true
}

// refuseLocked notes the server's refusal of p, sent again later if the
// refusal may pass, and returns the peers refused for the first time on
// this connection (logged by the caller). c.mu is held.
func (c *turnConn) refuseLocked(tid [stun.TransactionIDSize]byte, p *earlyPermission, r refusal) []string {
	p.timer.Stop()
	var first []string
	for _, ip := range p.peers {
		if c.granted[ip] {
			continue // installed by another request the server granted
		}
		if !c.refused[ip] {
			first = append(first, ip)
		}
		c.refused[ip] = true
	}
	if !transient(r) || p.round >= permissionRetries || c.closed {
		delete(c.early, tid)
		return first
	}
	// The same request, as the client signed it, in a new round of sends.
	p.sends = 0
	p.timer = c.after(permissionRetryWait<<p.round, func() { c.resendPermission(tid) })
	return first
}

// anyRefusedLocked reports one of peers refused. c.mu is held.
func (c *turnConn) anyRefusedLocked(peers []string) bool {
	for _, ip := range peers {
		if c.refused[ip] {
			return true
		}
	}
	return false
}

// grantLocked notes peers granted and ends their refusal; it returns
// those that were refused. c.mu is held.
func (c *turnConn) grantLocked(peers []string) []string {
	var granted []string
	for _, ip := range peers {
		c.granted[ip] = true
		if c.refused[ip] {
			delete(c.refused, ip)
			granted = append(granted, ip)
		}
	}
	return granted
}

// transient reports a refusal a later send of the same request may pass:
// no answer, or the server's own trouble (5xx: 500, 508 Insufficient
// Capacity). A 4xx (403 Forbidden, 400, 401, 438 Stale Nonce: the
// request's credentials) would be refused again as it is.
func transient(r refusal) bool {
	return r.timeout || (r.code >= 500 && r.code < 600)
}

// reasonOf is a server's REASON as logged: valid UTF-8, at most reasonMax
// bytes.
func reasonOf(b []byte) string {
	if len(b) > reasonMax {
		b = b[:reasonMax]
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// observe notes the server's grant of a request of the client's it
// watches (watchLocked). The answer passes on as it is.
func (c *turnConn) observe(b []byte, from net.Addr) {
	if !stun.IsMessage(b) || len(b) < 20 {
		return
	}
	tid := [stun.TransactionIDSize]byte(b[8:20])
	c.mu.Lock()
	peers, ok := c.pending[tid]
	c.mu.Unlock()
	if !ok {
		return
	}
	m := &stun.Message{Raw: append([]byte(nil), b...)}
	if m.Decode() != nil || (m.Type.Class != stun.ClassSuccessResponse && m.Type.Class != stun.ClassErrorResponse) {
		return
	}
	c.mu.Lock()
	delete(c.pending, tid)
	var granted []string
	if m.Type.Class == stun.ClassSuccessResponse {
		granted = c.grantLocked(peers)
	}
	c.mu.Unlock()
	if len(granted) > 0 {
		c.net.Log.Info("turn: the server granted a refused permission", "server", from, "method", m.Type.Method.String(), "peers", granted)
	}
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

// bind notes a channel the client sends on and reports its peer if refused.
func (c *turnConn) bind(num uint16) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.channels[num] = true
	if len(c.refused) == 0 {
		return "", false
	}
	peer := c.chanPeer[num]
	return peer, c.refused[peer]
}

// bindRequest notes a ChannelBind request's channel and peer, and watches
// it: a ChannelBind installs the permission too.
func (c *turnConn) bindRequest(num uint16, peer string, tid [stun.TransactionIDSize]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.channels[num] = true
	c.chanPeer[num] = peer
	c.watchLocked(tid, []string{peer}, true)
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
		c.observe(p[:n], net.UDPAddrFromAddrPort(from))
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

// channelBindRequest reads the CHANNEL-NUMBER, the XOR-PEER-ADDRESS's IP
// ("" if none) and the transaction of a ChannelBind request.
func channelBindRequest(b []byte) (uint16, string, [stun.TransactionIDSize]byte, bool) {
	var tid [stun.TransactionIDSize]byte
	if !stun.IsMessage(b) {
		return 0, "", tid, false
	}
	m := &stun.Message{Raw: append([]byte(nil), b...)}
	if m.Decode() != nil || m.Type != stun.NewType(stun.MethodChannelBind, stun.ClassRequest) {
		return 0, "", tid, false
	}
	v, err := m.Get(stun.AttrChannelNumber)
	if err != nil || len(v) < 2 {
		return 0, "", tid, false
	}
	peer := ""
	var pa stun.XORMappedAddress // XOR-PEER-ADDRESS is encoded alike
	if pa.GetFromAs(m, stun.AttrXORPeerAddress) == nil {
		peer = pa.IP.String()
	}
	return binary.BigEndian.Uint16(v), peer, m.TransactionID, true
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
