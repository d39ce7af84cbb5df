// Package sigpump carries one call's tgcalls signalling between the call
// core and the version's framing (a signaling.Transport), for both pion-based
// engines: the peer's packets are queued and read on one goroutine, so its
// messages are handled one at a time and in order; the framing is polled for
// acks, resends and SCTP's own packets; what it has to send leaves, in
// order, on another goroutine.
package sigpump

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/media/tgcalls/signaling"
)

const (
	// maxQueued bounds the peer's signalling waiting to be read (before
	// Run, or while a burst is handled).
	maxQueued = 256
	// maxOut bounds our packets waiting for SendLoop.
	maxOut = 512
)

// Pump is one call's signalling. Its methods are safe for concurrent use.
type Pump struct {
	log     *slog.Logger
	rejects *media.Rejects
	send    func(context.Context, []byte) error

	in   chan []byte   // the peer's packets, for Run
	out  chan []byte   // our packets, for SendLoop
	tick chan struct{} // Tick's nudges, for Run

	mu  sync.Mutex          // the transport is one goroutine's at a time
	sig signaling.Transport // the version's framing
}

// New is a pump over sig that sends our packets with send (the call core's
// phone.sendSignalingData) and counts what it refuses in rejects.
func New(sig signaling.Transport, send func(context.Context, []byte) error, log *slog.Logger, rejects *media.Rejects) *Pump {
	return &Pump{
		log: log, rejects: rejects, send: send,
		in: make(chan []byte, maxQueued), out: make(chan []byte, maxOut), tick: make(chan struct{}, 1),
		sig: sig,
	}
}

// Deliver queues updatePhoneCallSignalingData bytes for Run; data that comes
// before Run waits for it (the peer may be faster than our accept).
func (p *Pump) Deliver(data []byte) {
	select {
	case p.in <- append([]byte(nil), data...):
	default:
		p.rejects.Add(p.log, "signalling queue full")
	}
}

// Tick has Run poll the framing for the acks and resends that fell due. The
// engine calls it from its housekeeping tick (every 250 ms), so signalling
// keeps no timer of its own: a runtime timer's expiry wakes three threads of
// an idle process (see package polltimer), and the engine's tick shares its
// wake-up with the audio devices' pacer.
func (p *Pump) Tick() {
	select {
	case p.tick <- struct{}{}:
	default: // a poll is due already
	}
}

// Run reads the peer's packets until ctx ends, handing each complete
// message to handle on this goroutine, and polls the framing when woken by
// it or by Tick.
func (p *Pump) Run(ctx context.Context, handle func([]byte)) {
	for {
		p.mu.Lock()
		wake := p.sig.Wake() // may change once 9.0.0 knows the peer's mapping
		p.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case data := <-p.in:
			p.receive(data, handle)
		case <-p.tick:
			p.poll(false, handle)
		case <-wake:
			p.poll(true, handle)
		}
	}
}

func (p *Pump) receive(data []byte, handle func([]byte)) {
	now := time.Now()
	p.mu.Lock()
	msgs, err := p.sig.Receive(data, now)
	pkts, perr := p.sig.Poll(now)
	p.mu.Unlock()
	if err != nil {
		// Garbage, replayed or sealed with another key.
		p.rejects.Add(p.log, "signalling", "err", err)
	}
	if perr != nil && !errors.Is(perr, signaling.ErrClosed) {
		p.log.Warn("signalling poll", "err", perr)
	}
	p.queue(pkts)
	for _, m := range msgs {
		handle(m)
	}
}

// poll sends what the transport has due and, after a wake, handles the
// messages that completed on the transport's own goroutines.
func (p *Pump) poll(woken bool, handle func([]byte)) {
	now := time.Now()
	p.mu.Lock()
	pkts, err := p.sig.Poll(now)
	var msgs [][]byte
	var rerr error
	if woken {
		msgs, rerr = p.sig.Receive(nil, now)
	}
	p.mu.Unlock()
	if err != nil && !errors.Is(err, signaling.ErrClosed) {
		p.log.Warn("signalling poll", "err", err)
	}
	if rerr != nil && !errors.Is(rerr, signaling.ErrClosed) {
		p.rejects.Add(p.log, "signalling", "err", rerr)
	}
	p.queue(pkts)
	for _, m := range msgs {
		handle(m)
	}
}

func (p *Pump) queue(pkts [][]byte) {
	for _, b := range pkts {
		select {
		case p.out <- b:
		default:
			// The reliable framing re-sends what matters.
			p.log.Warn("signalling queue full, packet dropped")
		}
	}
}

// Send frames one JSON message for the peer.
func (p *Pump) Send(msg []byte) {
	p.mu.Lock()
	pkts, err := p.sig.Send(msg, time.Now())
	p.mu.Unlock()
	if err != nil {
		if !errors.Is(err, signaling.ErrClosed) {
			p.log.Warn("frame signalling", "err", err)
		}
		return
	}
	p.queue(pkts)
}

// SendLoop hands our packets to the call core, in order, until ctx ends.
func (p *Pump) SendLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case b := <-p.out:
			if err := p.send(ctx, b); err != nil && ctx.Err() == nil {
				p.log.Warn("send signalling data", "err", err)
			}
		}
	}
}

// Close closes the framing: Send after it sends nothing. The engine ends
// Run and SendLoop through their context.
func (p *Pump) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.sig.Close(); err != nil && !errors.Is(err, signaling.ErrClosed) {
		p.log.Debug("close signalling", "err", err)
	}
}

// Queued is how many packets wait in either direction (replay tests settle
// on zero).
func (p *Pump) Queued() int { return len(p.in) + len(p.out) }
