package audio

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock whose time moves only when the test advances it.
type fakeClock struct {
	mu      sync.Mutex
	cond    *sync.Cond
	now     time.Time
	waiting []fakeWait
}

type fakeWait struct {
	t  time.Time
	ch chan struct{}
}

func newFakeClock(now time.Time) *fakeClock {
	f := &fakeClock{now: now}
	f.cond = sync.NewCond(&f.mu)
	return f
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) sleeper(time.Duration) sleeper { return fakeSleeper{f} }

type fakeSleeper struct{ f *fakeClock }

func (s fakeSleeper) until(t time.Time, stop <-chan struct{}) bool {
	f := s.f
	f.mu.Lock()
	if !t.After(f.now) {
		f.mu.Unlock()
		select {
		case <-stop:
			return false
		default:
			return true
		}
	}
	w := fakeWait{t: t, ch: make(chan struct{})}
	f.waiting = append(f.waiting, w)
	f.cond.Broadcast()
	f.mu.Unlock()
	select {
	case <-w.ch:
		return true
	case <-stop:
		f.mu.Lock()
		f.waiting = slices.DeleteFunc(f.waiting, func(x fakeWait) bool { return x.ch == w.ch })
		f.cond.Broadcast()
		f.mu.Unlock()
		return false
	}
}

// advance moves time on by d and wakes the sleepers now due.
func (f *fakeClock) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	f.waiting = slices.DeleteFunc(f.waiting, func(w fakeWait) bool {
		if w.t.After(f.now) {
			return false
		}
		close(w.ch)
		return true
	})
}

// settle waits until n goroutines sleep towards a deadline still ahead: every
// frame due so far has been delivered.
func (f *fakeClock) settle(t *testing.T, n int) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		f.mu.Lock()
		for len(f.waiting) < n {
			f.cond.Wait()
		}
		f.mu.Unlock()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("%d devices never went back to sleep", n)
	}
}

// TestVirtualDevicesCatchUpAfterStall: the virtual devices keep real-time
// pace on absolute deadlines. A 70 ms stall (the process not scheduled)
// is made good by delivering the frames due back to back, so after it the
// frames delivered still equal the time elapsed over 20 ms and the tone has
// no gap; a stall longer than maxCatchUp skips ahead instead of bursting.
func TestVirtualDevicesCatchUpAfterStall(t *testing.T) {
	const tick = 20 * time.Millisecond
	start := time.Unix(1_000_000, 0) // on the 20 ms grid
	fc := newFakeClock(start)
	v := &virtualBackend{tick: tick, clk: fc}
	var mu sync.Mutex
	var captured []int16
	played := 0
	in, err := v.openCapture("tone:1000", func(f []int16) {
		mu.Lock()
		captured = append(captured, f...)
		mu.Unlock()
	}, func(err error) { t.Errorf("capture failed: %v", err) })
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := v.openPlayback("null", func([]int16) {
		mu.Lock()
		played++
		mu.Unlock()
	}, func(err error) { t.Errorf("playback failed: %v", err) })
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	counts := func() (int, int) {
		mu.Lock()
		defer mu.Unlock()
		return len(captured) / FrameSamples, played
	}
	fc.settle(t, 1)
	elapsed := time.Duration(0)
	step := func(d time.Duration) {
		fc.advance(d)
		elapsed += d
		fc.settle(t, 1)
	}
	for range 50 {
		step(tick)
	}
	if c, p := counts(); c != 50 || p != 50 {
		t.Fatalf("after 1 s: %d captured, %d played frames, want 50 each", c, p)
	}
	step(70 * time.Millisecond) // the stall
	if c, p := counts(); c != 53 || p != 53 {
		t.Fatalf("after a 70 ms stall: %d captured, %d played frames, want 53 each (every deadline passed)", c, p)
	}
	step(10 * time.Millisecond) // back on the grid
	for range 50 {
		step(tick)
	}
	want := int(elapsed / tick)
	if c, p := counts(); c != want || p != want {
		t.Fatalf("after %v: %d captured, %d played frames, want %d each: a stall lost frames", elapsed, c, p, want)
	}
	// The tone went on sample by sample through the stall: no frame skipped.
	mu.Lock()
	for i, s := range captured {
		if w := 8192 * math.Sin(2*math.Pi*1000*float64(i)/48000); math.Abs(float64(s)-w) > 1.5 {
			mu.Unlock()
			t.Fatalf("sample %d: %d, want %.0f", i, s, w)
		}
	}
	mu.Unlock()

	// A suspension of 2 s: deliver at most maxCatchUp of it, then go on.
	c0, _ := counts()
	step(2 * time.Second)
	c1, p1 := counts()
	if got, max := c1-c0, int(maxCatchUp/tick)+1; got > max || got < max-1 || p1 != c1 {
		t.Fatalf("after a 2 s suspension: %d frames at once (played %d, captured %d), want %d", got, p1, c1, max)
	}
	step(tick)
	if c2, _ := counts(); c2 != c1+1 {
		t.Fatalf("after the suspension: %d frames for the next 20 ms, want 1", c2-c1)
	}

	// A closed stream gets no more frames; the other goes on.
	in.Close()
	c3, p3 := counts()
	step(tick)
	step(tick)
	if c4, p4 := counts(); c4 != c3 || p4 != p3+2 {
		t.Fatalf("after closing capture: %d more captured, %d more played, want 0 and 2", c4-c3, p4-p3)
	}
}

// TestVirtualDevicesShareTheGrid: streams opened at different moments fall
// due at the same instants, so a call's devices wake the process together;
// the pacer ends with the last stream.
func TestVirtualDevicesShareTheGrid(t *testing.T) {
	const tick = 20 * time.Millisecond
	fc := newFakeClock(time.Unix(1_000_000, 0).Add(3 * time.Millisecond))
	v := &virtualBackend{tick: tick, clk: fc}
	var mu sync.Mutex
	var at []time.Time
	rec := func([]int16) {
		mu.Lock()
		at = append(at, fc.Now())
		mu.Unlock()
	}
	a, err := v.openPlayback("null", rec, func(error) {})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	fc.settle(t, 1)
	fc.advance(11 * time.Millisecond) // 14 ms past the grid: not yet due
	fc.settle(t, 1)
	b, err := v.openCapture("silence", rec, func(error) {})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	fc.settle(t, 1)
	fc.advance(6 * time.Millisecond) // the grid point
	fc.settle(t, 1)
	mu.Lock()
	if len(at) != 2 || !at[0].Equal(at[1]) || at[0].Sub(time.Unix(1_000_000, 0)) != tick {
		t.Fatalf("frames at %v, want both at the grid point 20 ms", at)
	}
	mu.Unlock()
	a.Close()
	b.Close()
	waitFor(t, "the pacer to end", func() bool {
		v.mu.Lock()
		defer v.mu.Unlock()
		return !v.pacing
	})
}

// TestNoDeviceListingWithoutDefault: a session whose devices are all chosen
// by name (a call on virtual devices) never lists the sound system's
// devices at its polls; once a side is on "default" it does, to follow it.
func TestNoDeviceListingWithoutDefault(t *testing.T) {
	defer func(d time.Duration) { defaultPoll = d }(defaultPoll)
	defaultPoll = 10 * time.Millisecond
	mb := &movingDefault{v: &virtualBackend{tick: 20 * time.Millisecond}, def: "builtin", opens: map[string]int{}}
	s, err := open(Config{Input: "tone:300", Output: "null"}, nil, mb)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	readPackets(t, s, 10) // 200 ms: about 20 polls
	mb.mu.Lock()
	n := mb.lists
	mb.mu.Unlock()
	if n != 0 {
		t.Fatalf("devices listed %d times by a session on virtual devices, want 0", n)
	}
	if err := s.SwitchInput(DefaultID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a device listing once on default", func() bool {
		mb.mu.Lock()
		defer mb.mu.Unlock()
		return mb.lists > 0
	})
}

// TestWallSleeperNeverEarly: on a grid of deadlines, near ones waited for
// on the ticker and a far one on the timer, the wall-clock sleepers (the
// polltimer one and the runtime-timer one) never return before their
// deadline, and return false at once when stopped.
func TestWallSleeperNeverEarly(t *testing.T) {
	const period = 2 * time.Millisecond
	sl := wallClock{}.sleeper(period)
	if _, ok := sl.(*pollSleeper); !ok && runtime.GOOS == "linux" {
		t.Fatalf("the wall clock sleeps on %T on Linux, want a *pollSleeper", sl)
	}
	for _, w := range []interface {
		sleeper
		stop()
	}{sl.(interface {
		sleeper
		stop()
	}), &wallSleeper{period: period}} {
		t.Run(fmt.Sprintf("%T", w), func(t *testing.T) {
			defer w.stop()
			next := time.Now().Add(period)
			for i := range 12 {
				if i == 6 {
					next = next.Add(5 * period) // a skip: more than a period ahead
				}
				if !w.until(next, nil) {
					t.Fatal("until returned false without a stop")
				}
				if now := time.Now(); now.Before(next) {
					t.Fatalf("deadline %d: returned %v early", i, next.Sub(now))
				}
				next = next.Add(period)
			}
			stop := make(chan struct{})
			close(stop)
			if w.until(time.Now().Add(time.Hour), stop) {
				t.Fatal("until returned true though stopped")
			}
		})
	}
}

// TestPollSleeperInterrupt: a stop sent while the pacer sleeps towards a
// far deadline ends the sleep once the sleeper is interrupted, as the
// backend does when its last stream closes.
func TestPollSleeperInterrupt(t *testing.T) {
	p, ok := wallClock{}.sleeper(20 * time.Millisecond).(*pollSleeper)
	if !ok {
		t.Skip("no polltimer here")
	}
	defer p.stop()
	stop := make(chan struct{}, 1)
	done := make(chan bool, 1)
	go func() { done <- p.until(time.Now().Add(time.Hour), stop) }()
	stop <- struct{}{}
	p.interrupt()
	if <-done {
		t.Fatal("until returned true though stopped")
	}
	// Interrupted, the sleeper still keeps time.
	at := time.Now().Add(3 * time.Millisecond)
	if !p.until(at, stop) {
		t.Fatal("until returned false after the stop was taken")
	}
	if now := time.Now(); now.Before(at) {
		t.Fatalf("returned %v early", at.Sub(now))
	}
}

// TestPollSleeperOffGrid: a sleeper whose ticker was armed towards a far
// deadline (a wait that a stop then ended, as in TestPollSleeperInterrupt
// when its goroutine arms before the stop comes) re-arms for a nearer
// deadline off that grid instead of waiting for the far one. CI once hung
// here for 20 minutes.
func TestPollSleeperOffGrid(t *testing.T) {
	p, ok := wallClock{}.sleeper(20 * time.Millisecond).(*pollSleeper)
	if !ok {
		t.Skip("no polltimer here")
	}
	defer p.stop()
	far := time.Now().Add(time.Hour)
	if err := p.tk.Start(far, p.period); err != nil {
		t.Fatal(err)
	}
	p.armed, p.first = true, far
	at := time.Now().Add(3 * time.Millisecond)
	done := make(chan bool, 1)
	go func() { done <- p.until(at, nil) }()
	select {
	case ok := <-done:
		if !ok {
			t.Fatal("until returned false without a stop")
		}
	case <-time.After(time.Minute): // a hang, not a measure of speed
		p.interrupt()
		t.Fatal("until waited for the far deadline's grid")
	}
	if now := time.Now(); now.Before(at) {
		t.Fatalf("returned %v early", at.Sub(now))
	}
}

// TestPollSleeperOnGrid: which deadlines the armed ticker reaches without
// being re-armed.
func TestPollSleeperOnGrid(t *testing.T) {
	const period = 20 * time.Millisecond
	first := time.Now()
	for _, tc := range []struct {
		name  string
		armed bool
		t     time.Time
		want  bool
	}{
		{"not armed", false, first, false},
		{"the first expiry", true, first, true},
		{"periods later", true, first.Add(7 * period), true},
		{"before the first", true, first.Add(-period), false},
		{"off the grid", true, first.Add(period + time.Millisecond), false},
	} {
		p := &pollSleeper{period: period, armed: tc.armed, first: first}
		if got := p.onGrid(tc.t); got != tc.want {
			t.Errorf("%s: onGrid = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestToneSource: the tone played from one period's table is the sine
// computed sample by sample, across the table's wrap and for a frequency
// with no whole period (computed throughout).
func TestToneSource(t *testing.T) {
	for _, hz := range []float64{440, 660, 7, 1000, 441.5} {
		gen := toneSource(hz)
		f := make([]int16, FrameSamples)
		n := 0
		for range 150 { // 3 s: several wraps of every table here
			gen(f)
			for _, s := range f {
				w := 8192 * math.Sin(2*math.Pi*hz*float64(n)/48000)
				if math.Abs(float64(s)-w) > 1.5 { // int16() truncates: the reference may sit just across a whole number
					t.Fatalf("%v Hz, sample %d: %d, want %.2f", hz, n, s, w)
				}
				n++
			}
		}
	}
}

// BenchmarkToneFrame is one 20 ms frame of tone:440.
func BenchmarkToneFrame(b *testing.B) {
	gen := toneSource(440)
	f := make([]int16, FrameSamples)
	for b.Loop() {
		gen(f)
	}
}
