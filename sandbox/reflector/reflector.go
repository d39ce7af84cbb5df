package reflector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"

	"github.com/tgphone/tgphone/wire"
)

// ErrNotLoopback is returned for a listen address off the loopback interface:
// the sandbox never listens on the network.
var ErrNotLoopback = errors.New("reflector: address is not loopback")

// Options configure a Relay.
type Options struct {
	// Addr is the UDP listen address; default "127.0.0.1:0".
	Addr string
	// TCP also listens on TCP, same address and port, for tgcalls' V2
	// reflector TCP framing (v2.go).
	TCP    bool
	Logger *slog.Logger
}

// CallStats are one call's counters, keyed by the call's canonical tag (bit 0
// of byte 15 cleared).
type CallStats struct {
	Peers      int
	PacketsIn  uint64
	Forwarded  uint64
	BytesFwd   uint64
	Dropped    uint64 // unpaired or during a pause
	SelfInfo   uint64
	PeerInfo   uint64
	LastActive time.Time
}

type peer struct {
	addr netip.AddrPort
	tag  wire.Tag
	seen time.Time
}

type call struct {
	peers []peer // at most 2
	st    CallStats
}

// Relay is a running UDP relay.
type Relay struct {
	conn *net.UDPConn
	tcp  net.Listener // nil unless Options.TCP
	log  *slog.Logger

	mu          sync.Mutex
	calls       map[wire.Tag]*call
	pausedUntil time.Time
	unparsed    uint64
	v2          map[[16]byte]endpoint // V2 ports by their tag (v2.go)
}

// New binds the relay's socket.
func New(o Options) (*Relay, error) {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	ap, err := netip.ParseAddrPort(o.Addr)
	if err != nil {
		return nil, fmt.Errorf("reflector listen address %q: %w", o.Addr, err)
	}
	if !ap.Addr().IsLoopback() {
		return nil, fmt.Errorf("reflector listen %s: %w", ap, ErrNotLoopback)
	}
	conn, ln, err := listen(ap, o.TCP)
	if err != nil {
		return nil, err
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	r := &Relay{conn: conn, tcp: ln, log: o.Logger.With("component", "reflector"), calls: map[wire.Tag]*call{}}
	return r, nil
}

// ephemeralTries bounds how often listen draws a new ephemeral port when
// the UDP port it got is taken for TCP: the kernel hands out UDP and TCP
// ports independently, so a free UDP port is often some TCP connection's
// local port when many sandboxes run side by side (seen in CI:
// "bind: address already in use").
const ephemeralTries = 32

// listen binds UDP on ap and, when tcp is set, TCP on the same port. With
// port 0 it retries on a TCP clash; a fixed port fails at once.
func listen(ap netip.AddrPort, tcp bool) (*net.UDPConn, net.Listener, error) {
	for try := 1; ; try++ {
		conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(ap))
		if err != nil {
			return nil, nil, fmt.Errorf("reflector listen %s: %w", ap, err)
		}
		if !tcp {
			return conn, nil, nil
		}
		ln, err := net.Listen("tcp", conn.LocalAddr().String())
		if err == nil {
			return conn, ln, nil
		}
		_ = conn.Close()
		if ap.Port() != 0 || !errors.Is(err, syscall.EADDRINUSE) || try == ephemeralTries {
			return nil, nil, fmt.Errorf("reflector listen tcp %s: %w", conn.LocalAddr(), err)
		}
	}
}

// Addr is the bound address.
func (r *Relay) Addr() netip.AddrPort { return r.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

// Pause drops every datagram (and every V2 TCP packet) for d, simulating a
// reflector outage.
func (r *Relay) Pause(d time.Duration) {
	r.mu.Lock()
	r.pausedUntil = time.Now().Add(d)
	r.mu.Unlock()
}

// Stop closes the socket; Run returns.
func (r *Relay) Stop() error {
	if r.tcp != nil {
		_ = r.tcp.Close()
	}
	return r.conn.Close()
}

// Stats returns a copy of every call's counters.
func (r *Relay) Stats() map[wire.Tag]CallStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[wire.Tag]CallStats, len(r.calls))
	for k, c := range r.calls {
		s := c.st
		s.Peers = len(c.peers)
		out[k] = s
	}
	return out
}

// Run serves until ctx ends or Stop is called.
func (r *Relay) Run(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { r.conn.Close() })
	defer stop()
	if r.tcp != nil {
		tctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); r.serveTCP(tctx) }()
		defer func() { cancel(); <-done }()
	}
	buf := make([]byte, 2048)
	for {
		n, from, err := r.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("reflector read: %w", err)
		}
		r.send(r.handle(buf[:n], from, time.Now()))
	}
}

type out struct {
	b   []byte
	to  netip.AddrPort
	tcp *tcpClient // a V2 TCP client instead of to
}

func canonical(t wire.Tag) wire.Tag {
	t[15] &^= 1
	return t
}

// handle is the relay's whole logic, free of sockets so it can be tested.
func (r *Relay) handle(b []byte, from netip.AddrPort, now time.Time) []out {
	from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
	if outs, ok := r.handleV2(b, endpoint{udp: from}, now); ok {
		return outs
	}
	p, err := wire.ParseRelay(b)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.unparsed++
		return nil
	}
	key := canonical(p.Tag)
	c := r.calls[key]
	if c == nil {
		c = &call{}
		r.calls[key] = c
	}
	c.st.PacketsIn++
	c.st.LastActive = now
	if now.Before(r.pausedUntil) {
		c.st.Dropped++
		return nil
	}
	me := c.register(p.Tag, from, now)
	var other *peer
	for i := range c.peers {
		if i != me {
			other = &c.peers[i]
		}
	}
	switch p.Kind {
	case wire.RelaySelfInfoRequest:
		c.st.SelfInfo++
		return []out{{b: wire.AppendSelfInfoReply(nil, p.Tag, int32(now.Unix()), p.QueryID, from), to: from}}
	case wire.RelayPeerInfoRequest:
		if other == nil {
			c.st.Dropped++
			return nil
		}
		c.st.PeerInfo++
		return []out{{b: wire.AppendPeerInfoReply(nil, p.Tag, from, other.addr), to: from}}
	case wire.RelayData:
		if other == nil || len(p.Body) == 0 {
			c.st.Dropped++
			return nil
		}
		c.st.Forwarded++
		c.st.BytesFwd += uint64(len(p.Body))
		return []out{{b: wire.AppendData(nil, other.tag, p.Body), to: other.addr}}
	}
	// Replies sent to a relay are not requests: nothing to do.
	c.st.Dropped++
	return nil
}

// register returns the index of the sender's slot, adding it or moving a
// roaming peer's address.
func (c *call) register(tag wire.Tag, from netip.AddrPort, now time.Time) int {
	for i := range c.peers {
		if c.peers[i].addr == from {
			c.peers[i].seen, c.peers[i].tag = now, tag
			return i
		}
	}
	if len(c.peers) < 2 {
		c.peers = append(c.peers, peer{addr: from, tag: tag, seen: now})
		return len(c.peers) - 1
	}
	// A third address: the peer whose tag this is has moved (network change).
	// With identical tags pick the one heard from least recently.
	i := 0
	if c.peers[0].tag != c.peers[1].tag {
		if c.peers[1].tag == tag {
			i = 1
		}
	} else if c.peers[1].seen.Before(c.peers[0].seen) {
		i = 1
	}
	c.peers[i] = peer{addr: from, tag: tag, seen: now}
	return i
}
