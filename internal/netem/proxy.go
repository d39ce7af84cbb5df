package netem

import (
	"errors"
	"net"
	"sync"
)

// Proxy puts an impaired path in front of a UDP server: clients send to
// the proxy's address, it forwards to the server from one socket per
// client, and both directions go through Config's impairment. Tests
// advertise it instead of the server (a sandbox reflector or TURN server)
// to run whole calls over a lossy network.
//
// Each client's two directions are impaired independently, each with its
// own generator seeded from Config.Seed and the order in which the client
// first sent: which of a direction's datagrams are lost depends on the
// seed and on that direction's own datagrams only, not on how they
// interleave with other clients' traffic, so a seeded run loses the same
// datagrams when it is run again.
type Proxy struct {
	sock   *net.UDPConn // clients ↔ proxy
	target net.Addr
	cfg    Config

	mu      sync.Mutex
	clients map[string]*proxyClient
	order   []net.Addr // the clients in the order they first sent
	tap     func(client net.Addr, toClient bool, b []byte)
	trace   func(client net.Addr, toClient bool, b []byte, lost bool)
	closed  bool
	wg      sync.WaitGroup
}

type proxyClient struct {
	up   *Conn // the client's own socket towards the server; impairs client → server
	down *Conn // the proxy's socket; impairs server → client
}

// Seeds of a client's two directions: the upstream one is what it has
// always been (Seed ^ n·golden for the n-th client), the downstream one
// differs from it by another odd constant.
const (
	seedStep = 0x9e3779b97f4a7c15
	seedDown = 0xd1b54a32d192ed03
)

// NewProxy listens on a loopback port and relays to target.
func NewProxy(target *net.UDPAddr, cfg Config) (*Proxy, error) {
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	p := &Proxy{sock: pc, target: target, cfg: cfg, clients: map[string]*proxyClient{}}
	p.wg.Add(1)
	go p.fromClients()
	return p, nil
}

// Addr is where clients send.
func (p *Proxy) Addr() *net.UDPAddr { return p.sock.LocalAddr().(*net.UDPAddr) }

// SetConfig changes the impairment of both directions of every client,
// and of clients still to come. Each direction keeps its generator.
func (p *Proxy) SetConfig(cfg Config) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cfg = cfg
	for _, c := range p.clients {
		c.up.SetConfig(cfg)
		c.down.SetConfig(cfg)
	}
}

func (p *Proxy) fromClients() {
	defer p.wg.Done()
	buf := make([]byte, 65536)
	for {
		n, from, err := p.sock.ReadFrom(buf)
		if err != nil {
			return
		}
		c, err := p.clientFor(from)
		if err != nil {
			continue
		}
		p.observe(from, false, buf[:n])
		_, _ = c.up.writeTo(buf[:n], p.target, p.fate(from, false, buf[:n]))
	}
}

// nonClosing lets a client's downstream Conn write on the proxy's socket
// without closing it: Proxy.Close does.
type nonClosing struct{ net.PacketConn }

func (nonClosing) Close() error { return nil }

// clientFor returns the client's two impaired directions, made on its
// first datagram.
func (p *Proxy) clientFor(addr net.Addr) (*proxyClient, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, net.ErrClosed
	}
	if c := p.clients[addr.String()]; c != nil {
		return c, nil
	}
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	n := uint64(len(p.order) + 1)
	upCfg, downCfg := p.cfg, p.cfg
	upCfg.Seed ^= n * seedStep
	downCfg.Seed ^= n*seedStep ^ seedDown
	c := &proxyClient{up: Wrap(pc, upCfg), down: Wrap(nonClosing{p.sock}, downCfg)}
	p.clients[addr.String()] = c
	p.order = append(p.order, addr)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		buf := make([]byte, 65536)
		for {
			n, _, err := c.up.ReadFrom(buf)
			if err != nil {
				return
			}
			p.observe(addr, true, buf[:n])
			_, _ = c.down.writeTo(buf[:n], addr, p.fate(addr, true, buf[:n]))
		}
	}()
	return c, nil
}

// Tap sees a copy of every datagram relayed from now on, before impairment:
// an on-path observer, as an attacker who records packets to replay is.
// It must not block.
func (p *Proxy) Tap(f func(client net.Addr, toClient bool, b []byte)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tap = f
}

// Trace sees every datagram relayed from now on once the impairment
// decided its fate, lost or passed, and before it leaves: a capture on the
// path that tells which packets of a handshake the loss took. b is only
// valid during the call; f must not block.
func (p *Proxy) Trace(f func(client net.Addr, toClient bool, b []byte, lost bool)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.trace = f
}

func (p *Proxy) observe(client net.Addr, toClient bool, b []byte) {
	p.mu.Lock()
	f := p.tap
	p.mu.Unlock()
	if f != nil {
		f(client, toClient, append([]byte(nil), b...))
	}
}

// fate is what tells the trace a datagram's fate, before the datagram
// leaves (so an answer is never traced before what it answers); nil
// without a trace.
func (p *Proxy) fate(client net.Addr, toClient bool, b []byte) func(lost bool) {
	p.mu.Lock()
	f := p.trace
	p.mu.Unlock()
	if f == nil {
		return nil
	}
	return func(lost bool) { f(client, toClient, b, lost) }
}

// Clients are the addresses that have sent through the proxy.
func (p *Proxy) Clients() []net.Addr {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]net.Addr(nil), p.order...)
}

// Inject sends b to client from the address the client knows as the
// server's: an on-path attacker's packet, unimpaired.
func (p *Proxy) Inject(client net.Addr, b []byte) error {
	_, err := p.sock.WriteTo(b, client)
	return err
}

// Close stops relaying.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	var err error
	for _, c := range p.clients {
		err = errors.Join(err, c.up.Close(), c.down.Close())
	}
	err = errors.Join(err, p.sock.Close())
	p.mu.Unlock()
	p.wg.Wait()
	return err
}
