// Package polltimer is a periodic timer that wakes its goroutine through the
// runtime's network poller (a Linux timerfd) rather than through the
// runtime's timers.
//
// Why: on the 2-core machine of the README's figures, most of a call's CPU
// on virtual audio devices was the Go runtime waking threads, not the audio
// work. A runtime timer that fires wakes three threads: the one waiting in
// the poller until the timer, which runs it; a second one the runtime wakes
// to look for more work, because the timer made a goroutine runnable while
// a processor was idle; and the monitor thread (sysmon), whose sleep while
// the process is idle ends at the next timer and which then polls every
// 20 µs while any goroutine runs. A timerfd's expiry is a poller event
// like a datagram: the thread in the poller takes the goroutine it readies
// itself and wakes nobody else, and with no runtime timer due sysmon
// sleeps on. A bare Go program ticking 500 times at 50 Hz: 2415 context
// switches and 135 ms of CPU on a time.Ticker, 592 and 94 ms on a Ticker
// here (perf stat).
//
// Off Linux the Ticker runs on the runtime's timers, with the same API.
package polltimer

import (
	"context"
	"errors"
	"time"
)

// ErrInterrupted is Wait's answer after Interrupt.
var ErrInterrupted = errors.New("polltimer: wait interrupted")

// Start arms t: its first expiry is at first (never before it, on the
// monotonic clock), then one every period after that (0: only the first).
// Expirations not yet waited for are forgotten.
func (t *Ticker) Start(first time.Time, period time.Duration) error { return t.start(first, period) }

// OnGrid makes a Ticker that expires at every whole multiple of period on
// the wall clock. Tickers whose periods divide one another then expire
// together and wake the process once: a call's housekeeping every 100 or
// 250 ms rides on a wake-up of the audio devices' 20 ms pacer, which keeps
// the same grid.
func OnGrid(period time.Duration) (*Ticker, error) {
	tk, err := NewTicker()
	if err != nil {
		return nil, err
	}
	if err := tk.Start(NextOnGrid(time.Now(), period), period); err != nil {
		tk.Close()
		return nil, err
	}
	return tk, nil
}

// NextOnGrid is the first whole multiple of period on the wall clock after
// now. The result keeps now's monotonic reading (it is now plus the gap),
// so a step of the system time after this cannot move it.
func NextOnGrid(now time.Time, period time.Duration) time.Time {
	// Truncate works on the wall clock and drops the monotonic reading.
	return now.Add(now.Truncate(period).Add(period).Sub(now))
}

// Loop calls tick after each expiry of tk, armed with period, until ctx
// ends, and then closes tk. Should tk fail, which a timerfd is not expected
// to, Loop reports the error to failed once and goes on with a time.Ticker.
func Loop(ctx context.Context, tk *Ticker, period time.Duration, failed func(error), tick func()) {
	defer tk.Close()
	stop := context.AfterFunc(ctx, tk.Interrupt)
	defer stop()
	wait := tk.Wait
	for {
		if err := wait(); err != nil && ctx.Err() == nil && !errors.Is(err, ErrInterrupted) {
			failed(err)
			t := time.NewTicker(period)
			defer t.Stop()
			wait = func() error {
				select {
				case <-ctx.Done():
				case <-t.C:
				}
				return nil
			}
		}
		if ctx.Err() != nil {
			return
		}
		tick()
	}
}
