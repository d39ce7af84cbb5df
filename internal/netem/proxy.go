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
type Proxy struct {
	in     *Conn // clients ↔ proxy; impairs server → client
	target net.Addr
	cfg    Config

	mu       sync.Mutex
	upstream map[string]*Conn // by client address; impairs client → server
	clients  []net.Addr       // in the order they first sent
	tap      func(client net.Addr, toClient bool, b []byte)
	closed   bool
	wg       sync.WaitGroup
}

// NewProxy listens on a loopback port and relays to target.
func NewProxy(target *net.UDPAddr, cfg Config) (*Proxy, error) {
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	p := &Proxy{in: Wrap(pc, cfg), target: target, cfg: cfg, upstream: map[string]*Conn{}}
	p.wg.Add(1)
	go p.fromClients()
	return p, nil
}

// Addr is where clients send.
func (p *Proxy) Addr() *net.UDPAddr { return p.in.LocalAddr().(*net.UDPAddr) }

// SetConfig changes the impairment of both directions.
func (p *Proxy) SetConfig(cfg Config) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cfg = cfg
	p.in.SetConfig(cfg)
	for _, u := range p.upstream {
		u.SetConfig(cfg)
	}
}

func (p *Proxy) fromClients() {
	defer p.wg.Done()
	buf := make([]byte, 65536)
	for {
		n, from, err := p.in.ReadFrom(buf)
		if err != nil {
			return
		}
		up, err := p.upstreamFor(from)
		if err != nil {
			continue
		}
		p.observe(from, false, buf[:n])
		_, _ = up.WriteTo(buf[:n], p.target)
	}
}

// upstreamFor returns the client's own socket towards the server.
func (p *Proxy) upstreamFor(client net.Addr) (*Conn, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, net.ErrClosed
	}
	if u := p.upstream[client.String()]; u != nil {
		return u, nil
	}
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	cfg := p.cfg
	cfg.Seed ^= uint64(len(p.upstream)+1) * 0x9e3779b97f4a7c15 // independent loss per direction
	u := Wrap(pc, cfg)
	p.upstream[client.String()] = u
	p.clients = append(p.clients, client)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		buf := make([]byte, 65536)
		for {
			n, _, err := u.ReadFrom(buf)
			if err != nil {
				return
			}
			p.observe(client, true, buf[:n])
			_, _ = p.in.WriteTo(buf[:n], client)
		}
	}()
	return u, nil
}

// Tap sees a copy of every datagram relayed from now on, before impairment:
// an on-path observer, as an attacker who records packets to replay is.
// It must not block.
func (p *Proxy) Tap(f func(client net.Addr, toClient bool, b []byte)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tap = f
}

func (p *Proxy) observe(client net.Addr, toClient bool, b []byte) {
	p.mu.Lock()
	f := p.tap
	p.mu.Unlock()
	if f != nil {
		f(client, toClient, append([]byte(nil), b...))
	}
}

// Clients are the addresses that have sent through the proxy.
func (p *Proxy) Clients() []net.Addr {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]net.Addr(nil), p.clients...)
}

// Inject sends b to client from the address the client knows as the
// server's: an on-path attacker's packet, unimpaired.
func (p *Proxy) Inject(client net.Addr, b []byte) error {
	_, err := p.in.PacketConn.WriteTo(b, client)
	return err
}

// Close stops relaying.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	err := p.in.Close()
	for _, u := range p.upstream {
		err = errors.Join(err, u.Close())
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}
