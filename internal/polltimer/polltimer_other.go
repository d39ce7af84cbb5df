//go:build !linux

package polltimer

import (
	"os"
	"sync"
	"time"
)

// Ticker runs on the runtime's timers here. One goroutine at a time may
// Wait; Interrupt and Close may come from any.
type Ticker struct {
	mu        sync.Mutex
	next      time.Time // the next expiry; zero: not armed
	period    time.Duration
	timer     *time.Timer
	interrupt chan struct{}
	closed    chan struct{}
	closeOnce sync.Once
}

// NewTicker makes a ticker that is not armed yet.
func NewTicker() (*Ticker, error) {
	return &Ticker{timer: time.NewTimer(time.Hour), interrupt: make(chan struct{}, 1), closed: make(chan struct{})}, nil
}

func (t *Ticker) start(first time.Time, period time.Duration) error {
	t.mu.Lock()
	t.next, t.period = first, period
	t.mu.Unlock()
	return nil
}

// Wait blocks until the ticker has expired since the last Wait returned
// (at once if it has). It returns ErrInterrupted after an Interrupt and
// os.ErrClosed once the ticker is closed.
func (t *Ticker) Wait() error {
	for {
		t.mu.Lock()
		next, period := t.next, t.period
		t.mu.Unlock()
		var c <-chan time.Time
		if !next.IsZero() {
			d := time.Until(next)
			if d <= 0 {
				t.mu.Lock()
				if t.next.Equal(next) {
					if period > 0 {
						for !t.next.After(time.Now()) {
							t.next = t.next.Add(period)
						}
					} else {
						t.next = time.Time{}
					}
				}
				t.mu.Unlock()
				return nil
			}
			t.timer.Reset(d)
			c = t.timer.C
		}
		select {
		case <-t.closed:
			return os.ErrClosed
		case <-t.interrupt:
			return ErrInterrupted
		case <-c:
		}
	}
}

// Interrupt makes a Wait in progress, or else the next one, return ErrInterrupted.
func (t *Ticker) Interrupt() {
	select {
	case t.interrupt <- struct{}{}:
	default:
	}
}

// Close disarms the ticker; a Wait in progress returns os.ErrClosed.
func (t *Ticker) Close() error {
	t.closeOnce.Do(func() { close(t.closed); t.timer.Stop() })
	return nil
}
