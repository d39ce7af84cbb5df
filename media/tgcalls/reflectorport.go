package tgcalls

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/pion/logging"
	"github.com/pion/transport/v4"
	"github.com/pion/turn/v4"

	"github.com/tgphone/tgphone/internal/rawudp"
	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/media/tgcalls/internal/pionmedia"
)

// How Telegram's reflectors reach pion's ICE agent.
//
// pion/ice v4 makes relay candidates only from TURN allocations: its
// gatherer opens a socket through the SettingEngine's transport.Net, runs
// pion/turn's client on it against a turn: URL and puts the candidate on the
// allocation's conn (the TURN-client factory is private, and a relay
// candidate's address must be an IP). So each reflector is handed to pion as
// a turn: URL whose host is a synthetic address, and the engine's transport.Net
// (pionmedia.Net, through divert) answers the
// client's first datagram to such an address by putting, between the client
// and the network, a TURN server in the process in front of a reflectorPort,
// which speaks ReflectorPort's framing to the real reflector over UDP (on the
// very socket pion opened) or TCP. For a UDP reflector that server is a
// udpFacade (turnfacade.go), answering the client on the client's own
// goroutines; for a TCP one it is pion/turn's (turn.Server, a public API),
// whose RelayAddressGenerator returns the port as a net.PacketConn. No TURN
// message leaves the process.
//
// Peers on a reflector are addressed by synthetic IPv4 addresses in
// 240.0.0.0/4 (pionmedia.Synthetic: reserved, never routed), one per
// (server id, port tag), with the reflector's port: our relay candidate's
// address, and the peer's "reflector-<id>-<tag>.reflector" candidates, map to
// and from them. pionmedia.Net drops anything pion would send to that range
// from a real socket.

const (
	reflectorUser      = "reflector" // tgcalls' RtcServer login for reflectors
	reflectorRealm     = "tgphone-reflector"
	helloFast          = 500 * time.Millisecond
	helloSlow          = 10 * time.Second
	reflectorReadyWait = 10 * time.Second
	reflectorInQueue   = 256
)

// reflectorServer is one reflector of the call.
type reflectorServer struct {
	id      uint8 // tgcalls' small server id
	addr    netip.AddrPort
	tcp     bool
	peerTag [16]byte
	turn    netip.AddrPort // the synthetic TURN server pion is pointed at
}

// peerRef is one port on a reflector.
type peerRef struct {
	id   uint8
	port uint16
	tag  uint32
}

// reflectorSet is one call's reflectors and their synthetic addresses.
type reflectorSet struct {
	log     *slog.Logger
	rejects *media.Rejects
	logs    logging.LoggerFactory

	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	servers []*reflectorServer
	ips     map[netip.Addr]peerRef
	refs    map[peerRef]netip.Addr
	next    uint32
	facades []*reflectorFacade
	own     map[uint32]*reflectorServer // our ports' tags: the IPv4 and IPv6 ports of one id share their peerRefs' other fields
}

// newReflectorSet takes the call's phoneConnection entries with a full peer
// tag. Server ids are tgcalls': the 1-based rank of the entry's id among the
// sorted ids.
//
// An entry's IPv4 and IPv6 addresses each make a port, with the entry's one
// id, as the clients that hand both to tgcalls do (each address an RtcServer
// of the same id; ReflectorPort then binds to the reflector only on a
// network of its family, WebRTC's IsCompatibleAddress). pion gathers no
// relay candidate through an IPv6 TURN server ("IPv6 TURN support is not
// finished yet" in pion/ice v4's gatherCandidatesRelay) but needs none
// here: the TURN server pion is pointed at is a synthetic IPv4 address
// either way, and the port behind it reaches an IPv6 reflector on its own
// socket. A peer's port on the same reflector id is reachable from either
// family, the reflector forwarding by tag.
func newReflectorSet(refl []media.Reflector, log *slog.Logger, rejects *media.Rejects, logs logging.LoggerFactory) *reflectorSet {
	ids := []int64{}
	for _, r := range refl {
		if !slices.Contains(ids, r.ID) {
			ids = append(ids, r.ID)
		}
	}
	slices.Sort(ids)
	ctx, cancel := context.WithCancel(context.Background())
	s := &reflectorSet{log: log, rejects: rejects, logs: logs, ctx: ctx, cancel: cancel,
		ips: map[netip.Addr]peerRef{}, refs: map[peerRef]netip.Addr{}, own: map[uint32]*reflectorServer{}}
	for _, r := range refl {
		rank := slices.Index(ids, r.ID) + 1
		if r.Port <= 0 || r.Port > 65535 || r.PeerTag == [16]byte{} || rank > 255 {
			continue
		}
		var addrs []netip.Addr
		for _, h := range []string{r.IP, r.IPv6} {
			ip, err := netip.ParseAddr(h)
			if err != nil || ip.Zone() != "" || slices.Contains(addrs, ip.Unmap()) {
				continue
			}
			addrs = append(addrs, ip.Unmap())
		}
		for _, ip := range addrs {
			srv := &reflectorServer{id: uint8(rank), addr: netip.AddrPortFrom(ip, uint16(r.Port)), tcp: r.TCP, peerTag: r.PeerTag}
			s.mu.Lock()
			// The TURN address is per address and entry (a UDP and a TCP
			// entry may share an address); tag 0 is no port's.
			srv.turn = netip.AddrPortFrom(s.addrLocked(peerRef{id: srv.id, port: uint16(len(s.servers)), tag: 0}), srv.addr.Port())
			s.servers = append(s.servers, srv)
			s.mu.Unlock()
		}
	}
	return s
}

// addrLocked is the synthetic address of ref, made on first use.
func (s *reflectorSet) addrLocked(ref peerRef) netip.Addr {
	if a, ok := s.refs[ref]; ok {
		return a
	}
	s.next++
	base := pionmedia.Synthetic.Addr().As4()
	n := binary.BigEndian.Uint32(base[:]) + s.next
	a := netip.AddrFrom4([4]byte(binary.BigEndian.AppendUint32(nil, n)))
	s.refs[ref] = a
	s.ips[a] = ref
	return a
}

// peerAddr is the synthetic address of port tag on server id.
func (s *reflectorSet) peerAddr(id uint8, port uint16, tag uint32) netip.AddrPort {
	s.mu.Lock()
	defer s.mu.Unlock()
	return netip.AddrPortFrom(s.addrLocked(peerRef{id: id, port: port, tag: tag}), port)
}

// ref reads a synthetic address back.
func (s *reflectorSet) ref(ip net.IP) (peerRef, bool) {
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return peerRef{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.ips[a.Unmap()]
	return r, ok && r.tag != 0
}

// hasServer reports whether a port of ours can reach server id on port.
func (s *reflectorSet) hasServer(id uint8, port uint16) bool {
	for _, srv := range s.servers {
		if srv.id == id && srv.addr.Port() == port {
			return true
		}
	}
	return false
}

// serverAt is the reflector whose synthetic TURN address is addr: a UDP
// reflector's for a *net.UDPAddr, a TCP one's for a *net.TCPAddr.
func (s *reflectorSet) serverAt(addr net.Addr) *reflectorServer {
	var ap netip.AddrPort
	tcp := false
	switch a := addr.(type) {
	case *net.UDPAddr:
		ap = a.AddrPort()
	case *net.TCPAddr:
		ap, tcp = a.AddrPort(), true
	default:
		return nil
	}
	ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	for _, srv := range s.servers {
		if srv.turn == ap && srv.tcp == tcp {
			return srv
		}
	}
	return nil
}

// serverFor is the reflector a port tag of ours is on, for stats.
func (s *reflectorSet) serverFor(ref peerRef) *reflectorServer {
	for _, srv := range s.servers {
		if srv.id == ref.id && srv.addr.Port() == ref.port {
			return srv
		}
	}
	return nil
}

// iceServers are the turn: URLs pion gathers the reflectors' candidates from.
//
// A TCP reflector's URL asks for TURN over TCP. That is what orders its
// candidate below a UDP reflector's, as tgcalls orders them: ReflectorPort
// adds its candidate with type preference GetRelayPreference(proto),
// WebRTC's ICE_TYPE_PREFERENCE_RELAY_UDP (2) or _RELAY_TCP (1), so any UDP
// reflector port outranks any TCP one. pion/ice puts a relay candidate's
// first-hop protocol in its local preference instead (type preference 0 for
// every relay; local preference 3 for UDP, 1 for TCP: candidate_relay.go
// relayProtocolPreference) and learns that protocol only from the TURN URL.
// The TCP URL's connection never leaves the process either: pionmedia.Net
// hands the dial to reflectorDiverter.DialTCP, whose façade speaks TURN over
// an in-process stream while the port speaks the reflector's TCP framing.
func (s *reflectorSet) iceServers() []iceServerURL {
	var out []iceServerURL
	for _, srv := range s.servers {
		transport := "udp"
		if srv.tcp {
			transport = "tcp"
		}
		out = append(out, iceServerURL{
			url:  "turn:" + net.JoinHostPort(srv.turn.Addr().String(), strconv.Itoa(int(srv.turn.Port()))) + "?transport=" + transport,
			user: reflectorUser, pass: hex.EncodeToString(srv.peerTag[:]),
		})
	}
	return out
}

type iceServerURL struct{ url, user, pass string }

// candidateRef reads a candidate's address, as pion writes it, back when
// it is a synthetic one.
func (s *reflectorSet) candidateRef(address string) (peerRef, bool) {
	ip := net.ParseIP(address)
	if ip == nil || !pionmedia.IsSynthetic(ip) {
		return peerRef{}, false
	}
	return s.ref(ip)
}

// candidateHost turns our relay candidate's synthetic address into the host
// name tgcalls advertises it under.
func (s *reflectorSet) candidateHost(address string) (string, bool) {
	ref, ok := s.candidateRef(address)
	if !ok {
		return "", false
	}
	return reflectorHost(ref.id, ref.tag), true
}

// describe names the reflector behind our relay candidate's address.
func (s *reflectorSet) describe(address string) (string, bool) {
	ref, ok := s.candidateRef(address)
	if !ok {
		return "", false
	}
	s.mu.Lock()
	srv := s.own[ref.tag]
	s.mu.Unlock()
	if srv == nil || srv.id != ref.id || srv.addr.Port() != ref.port {
		srv = s.serverFor(ref)
	}
	if srv == nil {
		return "", false
	}
	proto := "udp"
	if srv.tcp {
		proto = "tcp"
	}
	return srv.addr.String() + " " + proto, true
}

func (s *reflectorSet) close() {
	s.cancel()
	s.mu.Lock()
	fs := s.facades
	s.facades = nil
	s.mu.Unlock()
	for _, f := range fs {
		f.close()
	}
}

// divert is pionmedia.Net's Divert for this set: nil without reflectors.
func (s *reflectorSet) divert() pionmedia.Diverter {
	if s == nil || len(s.servers) == 0 {
		return nil
	}
	return reflectorDiverter{s}
}

// reflectorDiverter makes each UDP TURN client's socket a lazyConn, and
// each TCP TURN connection to a TCP reflector's synthetic address the
// client's end of that reflector's façade.
type reflectorDiverter struct{ s *reflectorSet }

func (d reflectorDiverter) PacketConn(pc net.PacketConn, guarded func() net.PacketConn) net.PacketConn {
	return &lazyConn{pc: pc, set: d.s, real: guarded, decided: make(chan struct{}), closed: make(chan struct{})}
}

func (d reflectorDiverter) DialTCP(raddr *net.TCPAddr) (transport.TCPConn, error) {
	srv := d.s.serverAt(raddr)
	if srv == nil {
		return nil, fmt.Errorf("reflector: no TCP reflector at %s", raddr)
	}
	f, err := d.s.openTCPFacade(srv, raddr)
	if err != nil {
		d.s.log.Warn("reflector", "addr", srv.addr, "err", err)
		return nil, err
	}
	return f.stream, nil
}

// lazyConn is the socket pion's gatherer opens for a TURN client: until the
// client's first datagram it is nobody's; sent to a reflector's synthetic
// TURN address it becomes the client's end of that reflector's façade,
// otherwise the guarded socket of a real TURN server.
type lazyConn struct {
	pc   net.PacketConn
	set  *reflectorSet
	real func() net.PacketConn

	once    sync.Once
	decided chan struct{}
	target  net.PacketConn
	facade  *reflectorFacade
	closed  chan struct{}
	closeMu sync.Once
}

func (c *lazyConn) decide(to net.Addr) {
	c.once.Do(func() {
		defer close(c.decided)
		if srv := c.set.serverAt(to); srv != nil {
			f, err := c.set.openFacade(srv, c.pc, to)
			if err != nil {
				c.set.log.Warn("reflector", "addr", srv.addr, "err", err)
				c.target = &deadConn{c.pc}
				return
			}
			c.facade, c.target = f, f.client
			return
		}
		c.target = c.real()
	})
}

func (c *lazyConn) WriteTo(b []byte, to net.Addr) (int, error) {
	c.decide(to)
	return c.target.WriteTo(b, to)
}

func (c *lazyConn) ReadFrom(p []byte) (int, net.Addr, error) {
	select {
	case <-c.decided:
		return c.target.ReadFrom(p)
	case <-c.closed:
		return 0, nil, net.ErrClosed
	}
}

func (c *lazyConn) Close() error {
	c.closeMu.Do(func() { close(c.closed) })
	c.once.Do(func() { c.target = &deadConn{c.pc}; close(c.decided) })
	if c.facade != nil {
		c.facade.close()
	}
	return c.pc.Close()
}

func (c *lazyConn) LocalAddr() net.Addr                { return c.pc.LocalAddr() }
func (c *lazyConn) SetDeadline(t time.Time) error      { return c.pc.SetDeadline(t) }
func (c *lazyConn) SetReadDeadline(t time.Time) error  { return c.pc.SetReadDeadline(t) }
func (c *lazyConn) SetWriteDeadline(t time.Time) error { return c.pc.SetWriteDeadline(t) }

// deadConn is a closed or failed lazyConn's: reads end, writes vanish.
type deadConn struct{ net.PacketConn }

func (deadConn) ReadFrom([]byte) (int, net.Addr, error) { return 0, nil, net.ErrClosed }
func (deadConn) WriteTo(b []byte, _ net.Addr) (int, error) {
	return len(b), nil
}

// reflectorFacade is one reflector as pion's TURN client sees it.
type reflectorFacade struct {
	srv    *turn.Server
	client *udpFacade  // UDP TURN
	stream *streamConn // TCP TURN
	port   *reflectorPort
	once   sync.Once
}

func (f *reflectorFacade) close() {
	f.once.Do(func() {
		if f.client != nil {
			_ = f.client.Close()
		}
		if f.stream != nil {
			_ = f.stream.Close()
		}
		if f.srv != nil {
			_ = f.srv.Close()
		}
		_ = f.port.Close()
	})
}

// openFacade starts srv's UDP port on pc and the udpFacade in front of it.
func (s *reflectorSet) openFacade(srv *reflectorServer, pc net.PacketConn, turnAddr net.Addr) (*reflectorFacade, error) {
	port, err := s.newPort(srv, pc)
	if err != nil {
		return nil, err
	}
	f := &reflectorFacade{client: newUDPFacade(s.ctx, port, turnAddr, pc.LocalAddr()), port: port}
	return f, s.keep(f)
}

// serveFacade starts f's in-process TURN server, which lets in only
// reflectorUser with srv's peer tag as password and relays through f's
// port; attach hands it the connection pion's client reaches it on. The
// set keeps f; if the server cannot start, f's port and client are closed.
func (s *reflectorSet) serveFacade(srv *reflectorServer, f *reflectorFacade, attach func(*turn.ServerConfig, turn.RelayAddressGenerator)) (*reflectorFacade, error) {
	cfg := turn.ServerConfig{
		Realm:         reflectorRealm,
		LoggerFactory: s.logs,
		AuthHandler: func(user, realm string, _ net.Addr) ([]byte, bool) {
			if user != reflectorUser {
				return nil, false
			}
			return turn.GenerateAuthKey(user, realm, hex.EncodeToString(srv.peerTag[:])), true
		},
	}
	attach(&cfg, &portGenerator{port: f.port, ctx: s.ctx})
	ts, err := turn.NewServer(cfg)
	if err != nil {
		f.close()
		return nil, fmt.Errorf("reflector turn façade: %w", err)
	}
	f.srv = ts
	return f, s.keep(f)
}

// keep adds f to the set's façades, or closes it if the set is closed.
func (s *reflectorSet) keep(f *reflectorFacade) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx.Err() != nil {
		go f.close()
		return s.ctx.Err()
	}
	s.facades = append(s.facades, f)
	return nil
}

// openTCPFacade starts srv's TCP port and an in-process TURN-over-TCP
// server in front of it, for a connection pion dialled to turnAddr.
func (s *reflectorSet) openTCPFacade(srv *reflectorServer, turnAddr *net.TCPAddr) (*reflectorFacade, error) {
	port, err := s.newPort(srv, nil)
	if err != nil {
		return nil, err
	}
	c, sv := net.Pipe()
	// The client's local address: 240.0.0.0, the Synthetic prefix's own,
	// which addrLocked never hands out; nothing is ever sent to it.
	local := &net.TCPAddr{IP: net.IP(pionmedia.Synthetic.Addr().AsSlice()), Port: 1}
	client := &streamConn{Conn: c, local: local, remote: turnAddr}
	server := &streamConn{Conn: sv, local: turnAddr, remote: local}
	f := &reflectorFacade{stream: client, port: port}
	return s.serveFacade(srv, f, func(cfg *turn.ServerConfig, relay turn.RelayAddressGenerator) {
		cfg.ListenerConfigs = []turn.ListenerConfig{{Listener: newOneConnListener(server), RelayAddressGenerator: relay}}
	})
}

// portGenerator hands the TURN server the reflector port as its one
// allocation's relay, once the reflector has answered.
type portGenerator struct {
	port *reflectorPort
	ctx  context.Context
	used sync.Once
}

func (g *portGenerator) Validate() error { return nil }

func (g *portGenerator) AllocatePacketConn(string, int) (net.PacketConn, net.Addr, error) {
	first := false
	g.used.Do(func() { first = true })
	if !first {
		return nil, nil, errors.New("reflector: one allocation per port")
	}
	t := time.NewTimer(reflectorReadyWait)
	defer t.Stop()
	select {
	case <-g.port.ready:
		return g.port, g.port.LocalAddr(), nil
	case <-t.C:
		return nil, nil, fmt.Errorf("reflector %s: no answer", g.port.srv.addr)
	case <-g.ctx.Done():
		return nil, nil, g.ctx.Err()
	}
}

func (g *portGenerator) AllocateConn(string, int) (net.Conn, net.Addr, error) {
	return nil, nil, errors.New("reflector: no TCP allocations")
}

// reflectorPort is one port on a reflector (tgcalls ReflectorPort), as the
// net.PacketConn of a TURN allocation: WriteTo a peer's synthetic address
// frames the payload to that peer's port tag, ReadFrom returns what peers
// sent with their synthetic addresses.
type reflectorPort struct {
	set   *reflectorSet
	srv   *reflectorServer
	tag   uint32
	full  [16]byte
	laddr *net.UDPAddr

	udp net.PacketConn // UDP reflectors: the socket pion opened, or ownUDP
	raw *rawudp.Conn   // udp's reads and writes, without the runtime's system-call accounting
	// ownUDP: an IPv6 reflector's port has its own socket, pion's being
	// IPv4 (it was opened for the synthetic IPv4 TURN address).
	ownUDP bool
	tcp    net.Conn
	tcpMu  sync.Mutex
	wmu    sync.Mutex // guards wbuf
	wbuf   []byte     // WriteTo's framing buffer (UDP)

	in chan reflectorDatagram
	// handed is closed when readUDP has stopped reading a UDP port's
	// socket: from then on ReadFrom reads it itself.
	handed chan struct{}
	// interrupted wakes readDatagram while it waits for the hand-over.
	interrupted chan struct{}
	rbuf        []byte // ReadFrom's datagram buffer (UDP)
	lastTag     uint32 // the peer port tag lastAddr is the address of
	lastAddr    *net.UDPAddr
	ready       chan struct{}
	readyOnce   sync.Once
	done        chan struct{}
	closeOnce   sync.Once
	wg          sync.WaitGroup
}

type reflectorDatagram struct {
	from uint32
	b    []byte
}

func (s *reflectorSet) newPort(srv *reflectorServer, pc net.PacketConn) (*reflectorPort, error) {
	var tag uint32
	for tag == 0 {
		var b [4]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		tag = binary.LittleEndian.Uint32(b[:])
	}
	p := &reflectorPort{set: s, srv: srv, tag: tag, full: portTag(srv.peerTag, tag),
		in: make(chan reflectorDatagram, reflectorInQueue), ready: make(chan struct{}), done: make(chan struct{}),
		handed: make(chan struct{}), interrupted: make(chan struct{}, 1)}
	p.laddr = net.UDPAddrFromAddrPort(s.peerAddr(srv.id, srv.addr.Port(), tag))
	s.mu.Lock()
	s.own[tag] = srv
	s.mu.Unlock()
	if srv.tcp {
		d := net.Dialer{Timeout: reflectorReadyWait}
		conn, err := d.DialContext(s.ctx, "tcp", srv.addr.String())
		if err != nil {
			return nil, fmt.Errorf("reflector %s tcp: %w", srv.addr, err)
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetNoDelay(true)
		}
		p.tcp = conn
		hello := append(append([]byte(nil), reflectorTCPPrologue...), appendReflectorTCPFrame(nil, appendReflectorTCPHello(nil, p.full))...)
		if _, err := conn.Write(hello); err != nil {
			_ = conn.Close()
			return nil, fmt.Errorf("reflector %s tcp: %w", srv.addr, err)
		}
		p.markReady() // ReflectorPort: a TCP port is ready once connected
		p.wg.Add(2)
		go p.readTCP()
		go p.helloLoop()
	} else {
		p.udp = pc
		if srv.addr.Addr().Is6() {
			// Bypasses the engine's transport.Net, as the TCP dial does.
			own, err := net.ListenUDP("udp6", nil)
			if err != nil {
				return nil, fmt.Errorf("reflector %s: %w", srv.addr, err)
			}
			p.udp, p.ownUDP = own, true
		}
		p.raw = rawudp.New(p.udp)
		p.rbuf = make([]byte, 2048)
		p.wg.Add(2)
		go p.readUDP()
		go p.helloLoop()
	}
	return p, nil
}

func (p *reflectorPort) markReady() {
	p.readyOnce.Do(func() {
		p.set.log.Debug("reflector ready", "reflector", p.srv.addr, "id", p.srv.id, "tcp", p.srv.tcp)
		close(p.ready)
	})
}

func (p *reflectorPort) isReady() bool {
	select {
	case <-p.ready:
		return true
	default:
		return false
	}
}

// helloLoop registers the port with the reflector: UDP every 0.5 s until
// it answers, then every 10 s; TCP every 10 s (the first went on connect).
func (p *reflectorPort) helloLoop() {
	defer p.wg.Done()
	for {
		d := helloSlow
		if p.udp != nil {
			if !p.isReady() {
				d = helloFast
			}
			_ = p.send(appendReflectorHello(nil, p.full))
		}
		t := time.NewTimer(d)
		select {
		case <-p.done:
			t.Stop()
			return
		case <-t.C:
		}
		if p.tcp != nil {
			_ = p.send(appendReflectorTCPHello(nil, p.full))
		}
	}
}

func (p *reflectorPort) send(pkt []byte) error {
	if p.tcp != nil {
		p.tcpMu.Lock()
		defer p.tcpMu.Unlock()
		_, err := p.tcp.Write(appendReflectorTCPFrame(nil, pkt))
		return err
	}
	_, err := p.raw.WriteTo(pkt, p.srv.addr)
	return err
}

// readUDP reads a UDP port's socket until the reflector has answered, then
// hands the socket to ReadFrom: from then on the TURN allocation's own
// reading goroutine reads the reflector's datagrams, without a hand-off
// through p.in (a hand-off costs a thread's wake-up per packet, on the
// README's 2-core machine more CPU than the packet's work).
func (p *reflectorPort) readUDP() {
	defer p.wg.Done()
	defer close(p.handed)
	buf := make([]byte, 2048)
	for !p.isReady() {
		n, from, err := p.raw.ReadFrom(buf)
		if err != nil {
			select {
			case <-p.done:
				return
			default:
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				// interrupt's, meant for readDatagram, which waits for
				// the hand-over meanwhile.
				_ = p.udp.SetReadDeadline(time.Time{})
				continue
			}
			return
		}
		if netip.AddrPortFrom(from.Addr().Unmap(), from.Port()) != p.srv.addr {
			p.set.rejects.Add(p.set.log, "reflector: packet from elsewhere", "src", from)
			continue
		}
		if !p.take(buf[:n]) {
			return
		}
	}
}

func (p *reflectorPort) readTCP() {
	defer p.wg.Done()
	buf := make([]byte, reflectorMaxPacket)
	for {
		pkt, err := readReflectorTCPFrame(p.tcp, buf)
		if err != nil {
			select {
			case <-p.done:
			default:
				p.set.log.Debug("reflector tcp read", "reflector", p.srv.addr, "err", err)
			}
			return
		}
		if !p.take(pkt) {
			return
		}
	}
}

// take handles one packet from the reflector; false once the port closed.
func (p *reflectorPort) take(b []byte) bool {
	from, payload, err := parseReflectorPacket(b, p.full)
	switch {
	case errors.Is(err, errReflectorSpecial):
		p.markReady()
		return true
	case err != nil:
		p.set.rejects.Add(p.set.log, "reflector", "err", err)
		return true
	}
	// Queued before the port is ready, so a UDP port's ReadFrom, which
	// reads the socket only after readUDP stopped, finds it first.
	d := reflectorDatagram{from: from, b: append([]byte(nil), payload...)}
	select {
	case p.in <- d:
	case <-p.done:
		return false
	default:
		p.set.rejects.Add(p.set.log, "reflector: receive queue full")
	}
	p.markReady()
	return true
}

// ReadFrom is called by the TURN allocation's one reading goroutine (a
// TCP port's) or a test.
func (p *reflectorPort) ReadFrom(b []byte) (int, net.Addr, error) {
	if p.udp == nil {
		select {
		case d := <-p.in:
			return copy(b, d.b), p.peerUDPAddr(d.from), nil
		case <-p.done:
			return 0, nil, net.ErrClosed
		}
	}
	for {
		payload, from, err := p.readDatagram()
		if errors.Is(err, errInterrupted) {
			continue
		}
		if err != nil {
			return 0, nil, err
		}
		return copy(b, payload), from, nil
	}
}

// errInterrupted: readDatagram was interrupted to look at its caller's queue.
var errInterrupted = errors.New("reflector port: read interrupted")

// readDatagram reads the next data packet of a UDP port: its payload (valid
// until the next call) and the synthetic address of the peer port that
// sent it. It returns errInterrupted when interrupt was called. One goroutine at a time calls it.
func (p *reflectorPort) readDatagram() ([]byte, *net.UDPAddr, error) {
	select {
	case <-p.handed:
	case <-p.done:
		return nil, nil, net.ErrClosed
	default:
		select {
		case <-p.handed:
		case <-p.done:
			return nil, nil, net.ErrClosed
		case <-p.interrupted:
			return nil, nil, errInterrupted
		}
	}
	for {
		select {
		case d := <-p.in:
			return d.b, p.peerUDPAddr(d.from), nil
		case <-p.done:
			return nil, nil, net.ErrClosed
		default:
		}
		n, from, err := p.raw.ReadFrom(p.rbuf)
		if err != nil {
			select {
			case <-p.done: // Close's read deadline, or the socket's close
				return nil, nil, net.ErrClosed
			default:
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				// interrupt's: clear it before the caller looks at its queue.
				_ = p.udp.SetReadDeadline(time.Time{})
				return nil, nil, errInterrupted
			}
			return nil, nil, err
		}
		if netip.AddrPortFrom(from.Addr().Unmap(), from.Port()) != p.srv.addr {
			p.set.rejects.Add(p.set.log, "reflector: packet from elsewhere", "src", from)
			continue
		}
		tag, payload, err := parseReflectorPacket(p.rbuf[:n], p.full)
		switch {
		case errors.Is(err, errReflectorSpecial):
			continue // an answer to our hello
		case err != nil:
			p.set.rejects.Add(p.set.log, "reflector", "err", err)
			continue
		}
		return payload, p.peerUDPAddr(tag), nil
	}
}

// interrupt makes a UDP port's readDatagram return errInterrupted (or
// net.ErrClosed once the port closed) soon: a read deadline in the past
// ends its wait on the socket.
func (p *reflectorPort) interrupt() {
	if p.udp == nil {
		return
	}
	select {
	case p.interrupted <- struct{}{}:
	default:
	}
	_ = p.udp.SetReadDeadline(time.Unix(1, 0))
}

// peerUDPAddr is the synthetic address of the peer port tag on our
// reflector, kept for the last tag: a call's packets come from one port.
// Only ReadFrom's goroutine calls it.
func (p *reflectorPort) peerUDPAddr(tag uint32) *net.UDPAddr {
	if p.lastAddr == nil || p.lastTag != tag {
		p.lastTag, p.lastAddr = tag, net.UDPAddrFromAddrPort(p.set.peerAddr(p.srv.id, p.srv.addr.Port(), tag))
	}
	return p.lastAddr
}

func (p *reflectorPort) WriteTo(b []byte, to net.Addr) (int, error) {
	ua, ok := to.(*net.UDPAddr)
	if !ok {
		return 0, fmt.Errorf("reflector: address %v", to)
	}
	ref, ok := p.set.ref(ua.IP)
	if !ok || ref.id != p.srv.id || ref.port != p.srv.addr.Port() {
		// A peer on another reflector (or no reflector): unreachable
		// from this port, as in tgcalls' CreateConnection.
		return len(b), nil
	}
	select {
	case <-p.done:
		return 0, net.ErrClosed
	default:
	}
	if p.tcp != nil {
		if err := p.send(appendReflectorData(nil, p.full, ref.tag, p.tag, b)); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	// UDP: framed in a buffer kept for it, not one per packet.
	p.wmu.Lock()
	defer p.wmu.Unlock()
	p.wbuf = appendReflectorData(p.wbuf[:0], p.full, ref.tag, p.tag, b)
	if _, err := p.raw.WriteTo(p.wbuf, p.srv.addr); err != nil {
		return 0, err
	}
	return len(b), nil
}

func (p *reflectorPort) Close() error {
	p.closeOnce.Do(func() {
		close(p.done)
		if p.tcp != nil {
			_ = p.tcp.Close()
		}
		if p.ownUDP {
			_ = p.udp.Close()
		} else if p.udp != nil {
			// The socket is the lazyConn's, closed with it; until then
			// a read deadline in the past ends ReadFrom's wait on it.
			_ = p.udp.SetReadDeadline(time.Unix(1, 0))
		}
	})
	return nil
}

func (p *reflectorPort) LocalAddr() net.Addr              { return p.laddr }
func (p *reflectorPort) SetDeadline(time.Time) error      { return nil }
func (p *reflectorPort) SetReadDeadline(time.Time) error  { return nil }
func (p *reflectorPort) SetWriteDeadline(time.Time) error { return nil }

// streamConn is one end of the in-process stream between pion's TCP TURN
// client and a façade, with TCP addresses: pion reads its client's local
// address as a *net.TCPAddr, and the TURN server keys the allocation by
// both.
type streamConn struct {
	net.Conn
	local, remote *net.TCPAddr
}

func (c *streamConn) LocalAddr() net.Addr  { return c.local }
func (c *streamConn) RemoteAddr() net.Addr { return c.remote }

// The rest makes a transport.TCPConn; a pipe has no half-close, lingering,
// keep-alive, Nagle or buffers to size.
func (c *streamConn) CloseRead() error                    { return c.Close() }
func (c *streamConn) CloseWrite() error                   { return c.Close() }
func (c *streamConn) ReadFrom(r io.Reader) (int64, error) { return io.Copy(struct{ io.Writer }{c}, r) }
func (c *streamConn) SetLinger(int) error                 { return nil }
func (c *streamConn) SetKeepAlive(bool) error             { return nil }
func (c *streamConn) SetKeepAlivePeriod(time.Duration) error {
	return nil
}
func (c *streamConn) SetNoDelay(bool) error    { return nil }
func (c *streamConn) SetWriteBuffer(int) error { return nil }
func (c *streamConn) SetReadBuffer(int) error  { return nil }

// oneConnListener accepts one connection, then waits for Close.
type oneConnListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
	addr  net.Addr
}

func newOneConnListener(c net.Conn) *oneConnListener {
	l := &oneConnListener{conns: make(chan net.Conn, 1), done: make(chan struct{}), addr: c.LocalAddr()}
	l.conns <- c
	return l
}

func (l *oneConnListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *oneConnListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *oneConnListener) Addr() net.Addr { return l.addr }
