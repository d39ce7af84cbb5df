package netem

import (
	"math/rand/v2"
	"net"
	"sync"
	"time"
)

// Config describes the impairment applied to each written datagram.
type Config struct {
	LossPct   float64       // independent loss, 0..100
	BurstLen  int           // when > 1, a loss drops this many consecutive datagrams
	Delay     time.Duration // fixed one-way delay
	Jitter    time.Duration // extra uniform delay in [0, Jitter); reorders
	DupPct    float64       // chance a datagram is sent twice
	RateBytes int           // bytes per second cap (token bucket, 1 s burst); 0 = none
	Seed      uint64
	// Block, when set, blackholes datagrams to the addresses it returns true
	// for (a path outage that leaves the others up).
	Block func(to net.Addr) bool
}

// Counters report what the layer did.
type Counters struct {
	Sent, Lost, Duplicated, RateDropped uint64
}

// Conn is an impaired net.PacketConn.
type Conn struct {
	net.PacketConn
	cfg Config

	mu       sync.Mutex
	rng      *rand.Rand
	burst    int
	tokens   float64
	lastFill time.Time
	c        Counters
	closed   bool
	wg       sync.WaitGroup
}

// Wrap impairs writes on pc. Reads pass through unchanged.
func Wrap(pc net.PacketConn, cfg Config) *Conn {
	return &Conn{PacketConn: pc, cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		tokens: float64(cfg.RateBytes), lastFill: time.Now()}
}

// SetConfig changes the impairment, e.g. to start an outage mid-test.
func (c *Conn) SetConfig(cfg Config) {
	c.mu.Lock()
	c.cfg = cfg
	c.mu.Unlock()
}

// Counters returns a snapshot.
func (c *Conn) Counters() Counters {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.c
}

// WriteTo applies the impairment; it reports success for dropped datagrams as
// a lossy network would.
func (c *Conn) WriteTo(b []byte, addr net.Addr) (int, error) {
	return c.writeTo(b, addr, nil)
}

// writeTo is WriteTo that, when fate is set, tells it whether the
// datagram was dropped before the datagram leaves.
func (c *Conn) writeTo(b []byte, addr net.Addr, fate func(dropped bool)) (int, error) {
	c.mu.Lock()
	cfg := c.cfg
	drop := false
	switch {
	case cfg.Block != nil && cfg.Block(addr):
		drop = true
	case c.burst > 0:
		c.burst--
		drop = true
	case cfg.LossPct > 0 && c.rng.Float64()*100 < cfg.LossPct:
		drop = true
		if cfg.BurstLen > 1 {
			c.burst = cfg.BurstLen - 1
		}
	}
	if !drop && cfg.RateBytes > 0 {
		now := time.Now()
		c.tokens = min(float64(cfg.RateBytes), c.tokens+now.Sub(c.lastFill).Seconds()*float64(cfg.RateBytes))
		c.lastFill = now
		if c.tokens < float64(len(b)) {
			drop = true
			c.c.RateDropped++
		} else {
			c.tokens -= float64(len(b))
		}
	} else if drop {
		c.c.Lost++
	}
	copies := 1
	if cfg.DupPct > 0 && c.rng.Float64()*100 < cfg.DupPct {
		copies = 2
		c.c.Duplicated++
	}
	delays := make([]time.Duration, copies)
	for i := range delays {
		delays[i] = cfg.Delay
		if cfg.Jitter > 0 {
			delays[i] += time.Duration(c.rng.Int64N(int64(cfg.Jitter)))
		}
	}
	if c.closed {
		c.mu.Unlock()
		return 0, net.ErrClosed
	}
	if !drop {
		c.c.Sent++
		for _, d := range delays {
			if d > 0 {
				c.wg.Add(1) // under mu so Close's Wait never races an Add
			}
		}
	}
	c.mu.Unlock()
	if fate != nil {
		fate(drop)
	}
	if drop {
		return len(b), nil
	}
	var werr error
	for _, d := range delays {
		if d == 0 {
			if _, err := c.PacketConn.WriteTo(b, addr); err != nil {
				werr = err // keep going: delayed copies are already counted in wg
			}
			continue
		}
		pkt := append([]byte(nil), b...)
		time.AfterFunc(d, func() {
			defer c.wg.Done()
			_, _ = c.PacketConn.WriteTo(pkt, addr)
		})
	}
	if werr != nil {
		return 0, werr
	}
	return len(b), nil
}

// Close waits for delayed datagrams, then closes the socket.
func (c *Conn) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.wg.Wait()
	return c.PacketConn.Close()
}
