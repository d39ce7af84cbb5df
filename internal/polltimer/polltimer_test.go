package polltimer

import (
	"context"
	"errors"
	"os"
	"runtime"
	"testing"
	"time"
)

func newTicker(t testing.TB) *Ticker {
	t.Helper()
	tk, err := NewTicker()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tk.Close() })
	return tk
}

// TestNeverEarly: the first expiry and the periodic ones after it never
// come before their time on the monotonic clock.
func TestNeverEarly(t *testing.T) {
	tk := newTicker(t)
	const period = 2 * time.Millisecond
	first := time.Now().Add(3 * time.Millisecond)
	if err := tk.Start(first, period); err != nil {
		t.Fatal(err)
	}
	next := first
	for i := range 10 {
		if err := tk.Wait(); err != nil {
			t.Fatalf("wait %d: %v", i, err)
		}
		now := time.Now()
		if now.Before(next) {
			t.Fatalf("expiry %d came %v early", i, next.Sub(now))
		}
		// Each Wait takes at least one expiry, more if several came while
		// this goroutine was off the CPU: the n-th returns no earlier than
		// the n-th expiry.
		next = next.Add(period)
	}
}

// TestRestart: Start replaces the schedule, a one-shot (period 0) fires
// once, and a start far ahead is not early either.
func TestRestart(t *testing.T) {
	tk := newTicker(t)
	if err := tk.Start(time.Now().Add(time.Hour), time.Millisecond); err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(2 * time.Millisecond)
	if err := tk.Start(at, 0); err != nil {
		t.Fatal(err)
	}
	if err := tk.Wait(); err != nil {
		t.Fatal(err)
	}
	if now := time.Now(); now.Before(at) {
		t.Fatalf("one-shot came %v early", at.Sub(now))
	}
	done := make(chan error, 1)
	go func() { done <- tk.Wait() }()
	select {
	case err := <-done:
		t.Fatalf("a one-shot fired twice (Wait returned %v)", err)
	case <-time.After(20 * time.Millisecond):
	}
	tk.Interrupt()
	if err := <-done; !errors.Is(err, ErrInterrupted) {
		t.Fatalf("Wait after Interrupt: %v, want ErrInterrupted", err)
	}
}

// TestInterruptAndClose: Interrupt ends a Wait in progress and one made
// after it; the ticker keeps working after; Close ends a Wait with os.ErrClosed.
func TestInterruptAndClose(t *testing.T) {
	tk := newTicker(t)
	if err := tk.Start(time.Now().Add(time.Hour), 0); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- tk.Wait() }()
	tk.Interrupt()
	if err := <-done; !errors.Is(err, ErrInterrupted) {
		t.Fatalf("Wait in progress: %v, want ErrInterrupted", err)
	}
	tk.Interrupt() // before the Wait
	if err := tk.Wait(); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("Wait after Interrupt: %v, want ErrInterrupted", err)
	}
	at := time.Now().Add(time.Millisecond)
	if err := tk.Start(at, 0); err != nil {
		t.Fatal(err)
	}
	if err := tk.Wait(); err != nil {
		t.Fatalf("Wait after an interrupt was handled: %v", err)
	}
	if now := time.Now(); now.Before(at) {
		t.Fatalf("came %v early", at.Sub(now))
	}
	if err := tk.Start(time.Now().Add(time.Hour), 0); err != nil {
		t.Fatal(err)
	}
	go func() { done <- tk.Wait() }()
	time.Sleep(time.Millisecond) // most likely blocked in the poller by now; either way Close must end it
	tk.Close()
	if err := <-done; !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Wait across Close: %v, want os.ErrClosed", err)
	}
}

// TestWaitAllocatesNothing: waiting is on the audio path, 50 times a second.
func TestWaitAllocatesNothing(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the portable ticker allocates timers")
	}
	tk := newTicker(t)
	if err := tk.Start(time.Now(), 50*time.Microsecond); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(50, func() {
		if err := tk.Wait(); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Fatalf("%v allocations per Wait", n)
	}
}

// TestLoopOnGrid: Loop's ticks come at whole multiples of the period on the
// wall clock, never before one, and Loop returns once its context ends,
// with the ticker closed.
func TestLoopOnGrid(t *testing.T) {
	const period = 5 * time.Millisecond
	tk, err := OnGrid(period)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var ticks []time.Time
	done := make(chan struct{})
	go func() {
		defer close(done)
		Loop(ctx, tk, period, func(err error) { t.Errorf("ticker failed: %v", err) }, func() {
			ticks = append(ticks, time.Now())
			if len(ticks) == 4 {
				cancel()
			}
		})
	}()
	<-done
	if len(ticks) != 4 {
		t.Fatalf("%d ticks after the context ended at the 4th", len(ticks))
	}
	// Each tick falls in a later period of the grid than the one before,
	// at or after that period's start: none early, none twice in one.
	last := time.Time{}
	for i, at := range ticks {
		grid := at.Round(0).Truncate(period)
		if !grid.After(last) {
			t.Errorf("tick %d at %v: in the same grid period as the one before", i, at)
		}
		last = grid
	}
	if err := tk.Wait(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("ticker after Loop: Wait = %v, want closed", err)
	}
}

// TestNextOnGrid: the first whole multiple of the period after now, on the
// wall clock, as a time that keeps now's monotonic reading.
func TestNextOnGrid(t *testing.T) {
	base := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		now    time.Duration // after base
		period time.Duration
		want   time.Duration
	}{
		{0, 20 * time.Millisecond, 20 * time.Millisecond}, // on the grid: the next point
		{time.Millisecond, 20 * time.Millisecond, 20 * time.Millisecond},
		{19*time.Millisecond + 999*time.Microsecond, 20 * time.Millisecond, 20 * time.Millisecond},
		{130 * time.Millisecond, 250 * time.Millisecond, 250 * time.Millisecond},
		{250 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond},
	} {
		if got := NextOnGrid(base.Add(tc.now), tc.period); !got.Equal(base.Add(tc.want)) {
			t.Errorf("NextOnGrid(+%v, %v) = +%v, want +%v", tc.now, tc.period, got.Sub(base), tc.want)
		}
	}
	now := time.Now()
	if next := NextOnGrid(now, time.Second); next.Sub(now) <= 0 || next.Sub(now) > time.Second || next.Round(0) == next {
		t.Errorf("NextOnGrid(now) = %v: not within a period after now on the monotonic clock", next)
	}
}
