package sigpump

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/media/tgcalls/signaling"
)

// TestPumpCarriesMessagesInOrder: two pumps over the reliable framing, each
// sending into the other's Deliver; every message arrives once, in order,
// and garbage is counted, not handled.
func TestPumpCarriesMessagesInOrder(t *testing.T) {
	var key [signaling.KeySize]byte
	for i := range key {
		key[i] = byte(i)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.New(slog.DiscardHandler)
	var rejects media.Rejects
	var a, b *Pump
	a = New(signaling.NewReliable(key, true), func(_ context.Context, p []byte) error { b.Deliver(p); return nil }, log, &media.Rejects{})
	b = New(signaling.NewReliable(key, false), func(_ context.Context, p []byte) error { a.Deliver(p); return nil }, log, &rejects)
	got := make(chan string, 100)
	var wg sync.WaitGroup
	wg.Go(func() { a.SendLoop(ctx) })
	wg.Go(func() { b.SendLoop(ctx) })
	wg.Go(func() { a.Run(ctx, func([]byte) {}) })
	b.Deliver([]byte("not a signalling packet"))
	wg.Go(func() { b.Run(ctx, func(m []byte) { got <- string(m) }) })
	const n = 20
	for i := range n {
		a.Send(fmt.Appendf(nil, `{"n":%d}`, i))
	}
	for i := range n {
		select {
		case m := <-got:
			if want := fmt.Sprintf(`{"n":%d}`, i); m != want {
				t.Fatalf("message %d: %s, want %s", i, m, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("only %d of %d messages arrived", i, n)
		}
	}
	if total, by := rejects.Snapshot(); total != 1 || by["signalling"] != 1 {
		t.Errorf("rejects %d %v, want the garbage only", total, by)
	}
	// Acks and retransmissions of the reliable framing may still sit in the
	// queue when it closes; what Close promises is that Send adds nothing.
	// The loops must have ended first: until then b's SendLoop can still
	// deliver an ack into a's queue, and a's Run can still queue a resend,
	// which once failed this test under CI's load.
	cancel()
	wg.Wait()
	a.Close()
	before := a.Queued()
	a.Send([]byte(`{"n":"late"}`))
	if a.Queued() > before {
		t.Error("a closed pump queued a packet")
	}
}

// pollCounter is a framing that only counts its polls and has a packet due
// at each.
type pollCounter struct{ polls chan struct{} }

func (c pollCounter) Send([]byte, time.Time) ([][]byte, error)    { return nil, nil }
func (c pollCounter) Receive([]byte, time.Time) ([][]byte, error) { return nil, nil }
func (c pollCounter) NextPoll() time.Time                         { return time.Time{} }
func (c pollCounter) Wake() <-chan struct{}                       { return nil }
func (c pollCounter) Close() error                                { return nil }
func (c pollCounter) Poll(time.Time) ([][]byte, error) {
	c.polls <- struct{}{}
	return [][]byte{[]byte("due")}, nil
}

// TestTickPolls: Run polls the framing when the engine's tick says so, and
// what falls due leaves through SendLoop.
func TestTickPolls(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := pollCounter{polls: make(chan struct{}, 10)}
	sent := make(chan string, 10)
	p := New(c, func(_ context.Context, b []byte) error { sent <- string(b); return nil }, slog.New(slog.DiscardHandler), &media.Rejects{})
	go p.SendLoop(ctx)
	go p.Run(ctx, func([]byte) {})
	p.Tick()
	select {
	case <-c.polls:
	case <-time.After(10 * time.Second): // a hang, not a measure of speed
		t.Fatal("Tick did not poll the framing")
	}
	if got := <-sent; got != "due" {
		t.Fatalf("sent %q, want the polled packet", got)
	}
	// Each later Tick polls again.
	p.Tick()
	<-c.polls
	<-sent
}
