package audio

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tgphone/tgphone/internal/polltimer"
)

// Sentinel errors a UI recognises.
var (
	ErrNoMicrophone = errors.New("no microphone found")
	ErrNoSpeaker    = errors.New("no speaker found")
	ErrUnknownID    = errors.New("unknown audio device id")
)

// DefaultID follows the system's default device.
const DefaultID = "default"

// Device is one capture or playback device.
type Device struct {
	ID        string
	Name      string
	Capture   bool // false: playback
	IsDefault bool
}

// stream is an open device; Close stops its callbacks before returning.
type stream interface{ Close() }

// backend opens devices. Every backend drives the session through the same
// two callbacks, one 20 ms frame at a time, and reports a lost device through
// fail (from any goroutine, at most once per stream).
type backend interface {
	openCapture(id string, onFrame func([]int16), fail func(error)) (stream, error)
	openPlayback(id string, onFrame func([]int16), fail func(error)) (stream, error)
}

// isVirtual tells whether id names a virtual device rather than a real one.
func isVirtual(id string) bool {
	return id == "null" || id == "silence" || strings.HasPrefix(id, "tone:") ||
		strings.HasPrefix(id, "file:") || strings.HasPrefix(id, "wav:") ||
		strings.HasPrefix(id, "loop:") || strings.HasSuffix(strings.ToLower(id), ".wav")
}

// loopLine is the shared delay line of a "loop:" device pair: what the
// playback side plays comes back on capture after the configured delay.
type loopLine struct {
	mu  sync.Mutex
	buf []int16
}

func newLoopLine(delay time.Duration) *loopLine {
	return &loopLine{buf: make([]int16, samplesOf(delay))}
}

func (l *loopLine) write(f []int16) {
	l.mu.Lock()
	l.buf = append(l.buf, f...)
	if max := 5 * 48000; len(l.buf) > max { // a stalled reader must not grow memory
		l.buf = l.buf[len(l.buf)-max:]
	}
	l.mu.Unlock()
}

func (l *loopLine) read(f []int16) {
	l.mu.Lock()
	n := copy(f, l.buf)
	clear(f[n:])
	l.buf = l.buf[n:]
	l.mu.Unlock()
}

// virtualBackend serves tone:, silence, file:/*.wav, wav:, null and loop:
// devices, paced like sound cards by one clock of 20 ms frames.
type virtualBackend struct {
	loop  *loopLine
	tick  time.Duration
	loops bool  // WAV inputs loop instead of ending with silence
	clk   clock // nil: the wall clock

	mu      sync.Mutex // guards streams, pacing, kick and wake
	streams []*clockStream
	pacing  bool          // the pacer goroutine runs
	kick    chan struct{} // wakes the pacer when the last stream closes
	wake    func()        // set while the pacer's sleeper must be woken to see kick
}

// clock is the time virtual devices keep pace by; tests substitute one
// whose time they move by hand, to stall a device without waiting.
type clock interface {
	Now() time.Time
	// sleeper returns a waiter for one goroutine's use, whose deadlines
	// mostly come period apart.
	sleeper(period time.Duration) sleeper
}

// sleeper waits until a deadline; until reports false if stop closed first.
type sleeper interface {
	until(t time.Time, stop <-chan struct{}) bool
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

// sleeper waits on a polltimer where there is one (Linux), else on the
// runtime's timers.
func (wallClock) sleeper(period time.Duration) sleeper {
	if tk, err := polltimer.NewTicker(); err == nil {
		return &pollSleeper{period: period, tk: tk}
	}
	return &wallSleeper{period: period}
}

// pollSleeper waits on a polltimer.Ticker armed on the grid of the
// deadlines, so each frame wakes the process through the network poller
// rather than through a runtime timer: in a 2.4.4 call on virtual devices
// that spares, per 20 ms frame, the wake-up of a second thread and of the
// runtime's monitor thread (see package polltimer). A deadline further than
// a period away (the first, or one after a skip) re-arms it.
type pollSleeper struct {
	period time.Duration
	tk     *polltimer.Ticker
	armed  bool         // tk expires at first and every period after it
	first  time.Time    // tk's first expiry, when armed
	broken *wallSleeper // after the ticker failed: the runtime's timers
}

// onGrid reports whether t is one of the armed ticker's expiries (its
// first, or a whole number of periods after it), so that waiting on the
// ticker reaches t and does not pass it. A deadline off that grid (one
// before the first expiry, as after a wait towards a far deadline was
// stopped, or one the caller moved) needs the ticker re-armed; the pacer's
// own deadlines stay on one grid, so it never re-arms for them.
func (p *pollSleeper) onGrid(t time.Time) bool {
	if !p.armed || t.Before(p.first) {
		return false
	}
	return p.period > 0 && t.Sub(p.first)%p.period == 0
}

func (p *pollSleeper) until(t time.Time, stop <-chan struct{}) bool {
	for p.broken == nil {
		select {
		case <-stop:
			return false
		default:
		}
		d := time.Until(t)
		if d <= 0 {
			return true
		}
		if d > p.period || !p.onGrid(t) {
			p.armed = false
			if p.tk.Start(t, p.period) != nil {
				break
			}
			p.armed, p.first = true, t
		}
		// With t on the armed grid, the ticker's next expiry is at or before
		// t: the loop sees t come.
		if err := p.tk.Wait(); err != nil && !errors.Is(err, polltimer.ErrInterrupted) {
			break
		}
	}
	if p.broken == nil {
		// A timerfd that cannot be armed or read is not expected; the
		// devices keep pace on the runtime's timers instead.
		p.broken = &wallSleeper{period: p.period}
	}
	return p.broken.until(t, stop)
}

// interrupt wakes an until in progress to look at its stop channel.
func (p *pollSleeper) interrupt() { p.tk.Interrupt() }

func (p *pollSleeper) stop() {
	p.tk.Close()
	if p.broken != nil {
		p.broken.stop()
	}
}

// wallSleeper waits on a ticker of the pacer's period, started on the first
// deadline, rather than on a timer reset after every wake-up: the runtime
// re-arms a ticker as it fires, before the thread that ran it goes back to
// sleep, whereas a timer reset by the woken goroutine is newer than the
// sleep another thread began in the network poller, which the runtime then
// interrupts (a write to its eventfd) to shorten: in a 2.4.4 call on
// virtual devices, about 20 extra wake-ups of a thread a second (strace),
// each costing more CPU than a frame's work. A deadline further than a
// period away (the first, or one after a skip) is waited for on a timer.
type wallSleeper struct {
	period time.Duration
	timer  *time.Timer
	tick   *time.Ticker
}

func (w *wallSleeper) until(t time.Time, stop <-chan struct{}) bool {
	for {
		d := time.Until(t)
		if d <= 0 {
			return true
		}
		var c <-chan time.Time
		if w.tick != nil && d <= w.period {
			// The ticker was started at or after a deadline on the same grid
			// as t, so its next tick comes at or after t.
			c = w.tick.C
		} else {
			if w.timer == nil {
				w.timer = time.NewTimer(d)
			} else {
				w.timer.Reset(d)
			}
			c = w.timer.C
		}
		select {
		case <-stop:
			if w.timer != nil {
				w.timer.Stop()
			}
			return false
		case <-c:
		}
		if w.tick == nil && w.period > 0 && c == w.timer.C {
			w.tick = time.NewTicker(w.period)
		}
	}
}

// stop releases the sleeper's timers.
func (w *wallSleeper) stop() {
	if w.timer != nil {
		w.timer.Stop()
	}
	if w.tick != nil {
		w.tick.Stop()
	}
}

// maxCatchUp is how far behind its deadlines a virtual device may fall and
// still deliver every frame it owes: a scheduling stall of tens of
// milliseconds is made good at once (skipping those frames shows as a delay
// step in every measurement), while after a longer suspension a burst of
// seconds of stale audio would only overflow the queues behind it, so the
// devices skip ahead as a sound card's overrun does.
const maxCatchUp = 500 * time.Millisecond

// clockStream is one open virtual device.
type clockStream struct {
	v     *virtualBackend
	frame func() error
	fail  func(error)
	end   func()
	// mu is held while frame runs, so Close returns only once no callback
	// is running or will run.
	mu      sync.Mutex
	stopped bool
	once    sync.Once
}

func (c *clockStream) Close() {
	c.once.Do(func() {
		c.mu.Lock()
		c.stopped = true
		c.mu.Unlock()
		c.v.remove(c)
		if c.end != nil {
			c.end()
		}
	})
}

// run calls frame once per tick until Close; a frame error ends the stream
// via fail. All the backend's streams are paced by one goroutine, on
// absolute deadlines on a grid of whole ticks of the wall clock: a capture
// and playback pair wakes the process once per tick, not twice (each
// wake-up of a Go process costs about 0.2 ms of CPU here), and after a
// stall the frames due are delivered back to back.
func (v *virtualBackend) run(frame func() error, fail func(error), end func()) *clockStream {
	c := &clockStream{v: v, frame: frame, fail: fail, end: end}
	v.mu.Lock()
	v.streams = append(v.streams, c)
	start := !v.pacing
	v.pacing = true
	if v.kick == nil {
		v.kick = make(chan struct{}, 1)
	}
	v.mu.Unlock()
	if start {
		go v.pace()
	}
	return c
}

func (v *virtualBackend) remove(c *clockStream) {
	v.mu.Lock()
	v.streams = slices.DeleteFunc(v.streams, func(s *clockStream) bool { return s == c })
	if len(v.streams) == 0 {
		select { // the pacer ends now rather than at its next tick
		case v.kick <- struct{}{}:
		default:
		}
		if v.wake != nil {
			v.wake()
		}
	}
	v.mu.Unlock()
}

// idle ends pacing when no stream is left; the caller is the pacer.
func (v *virtualBackend) idle() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.streams) > 0 {
		return false
	}
	v.pacing = false
	return true
}

// pace runs the frames of every open stream until none is left.
func (v *virtualBackend) pace() {
	clk := v.clk
	if clk == nil {
		clk = wallClock{}
	}
	sl := clk.sleeper(v.tick)
	if st, ok := sl.(interface{ stop() }); ok {
		defer st.stop()
	}
	if in, ok := sl.(interface{ interrupt() }); ok {
		v.mu.Lock()
		v.wake = in.interrupt
		v.mu.Unlock()
		defer func() {
			v.mu.Lock()
			v.wake = nil
			v.mu.Unlock()
		}()
	}
	// The grid is the wall clock's, but the deadlines are kept on the
	// monotonic clock (NextOnGrid), so a step of the system time cannot
	// stall or race the devices.
	now := clk.Now()
	next := polltimer.NextOnGrid(now, v.tick)
	var due []*clockStream
	v.mu.Lock()
	kick := v.kick
	v.mu.Unlock()
	for {
		if !sl.until(next, kick) && v.idle() {
			return
		}
		now = clk.Now()
		if behind := now.Sub(next); behind > maxCatchUp {
			next = next.Add((behind - maxCatchUp).Truncate(v.tick))
		}
		for !next.After(now) {
			if v.idle() {
				return
			}
			v.mu.Lock()
			due = append(due[:0], v.streams...)
			v.mu.Unlock()
			for _, c := range due {
				c.run()
			}
			next = next.Add(v.tick)
		}
	}
}

// run delivers one frame unless the stream is closed or has failed.
func (c *clockStream) run() {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return
	}
	err := c.frame()
	if err != nil {
		c.stopped = true
	}
	c.mu.Unlock()
	if err != nil {
		c.v.remove(c)
		c.fail(err)
	}
}

func (v *virtualBackend) openCapture(id string, onFrame func([]int16), fail func(error)) (stream, error) {
	gen, err := v.source(id)
	if err != nil {
		return nil, err
	}
	buf := make([]int16, FrameSamples)
	return v.run(func() error {
		gen(buf)
		onFrame(buf)
		return nil
	}, fail, nil), nil
}

// source returns the sample generator behind a virtual capture id.
func (v *virtualBackend) source(id string) (func([]int16), error) {
	switch {
	case id == "silence" || id == "null":
		return func(f []int16) { clear(f) }, nil
	case strings.HasPrefix(id, "tone:"):
		hz, err := strconv.ParseFloat(strings.TrimPrefix(id, "tone:"), 64)
		if err != nil || hz <= 0 || hz >= 24000 {
			return nil, fmt.Errorf("%w: %q (want tone:HZ below 24000)", ErrUnknownID, id)
		}
		return toneSource(hz), nil
	case strings.HasPrefix(id, "loop:"):
		if v.loop == nil {
			return nil, fmt.Errorf("%w: %q without a loop pair", ErrUnknownID, id)
		}
		return v.loop.read, nil
	case strings.HasPrefix(id, "file:") || strings.HasSuffix(strings.ToLower(id), ".wav"):
		pcm, err := ReadWAV(strings.TrimPrefix(id, "file:"))
		if err != nil {
			return nil, err
		}
		var pos int
		return func(f []int16) {
			for i := range f {
				if pos >= len(pcm) {
					if !v.loops || len(pcm) == 0 {
						f[i] = 0
						continue
					}
					pos = 0
				}
				f[i] = pcm[pos]
				pos++
			}
		}, nil
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownID, id)
}

// toneSource generates a sine of hz at 48 kHz. A whole number of hertz
// repeats every 48000/gcd(hz, 48000) samples, at most a second: one period
// is computed once and played from a table, sparing 48000 math.Sin a
// second (about 4 % of a 2.4.4 call's CPU on tone:, perf).
func toneSource(hz float64) func([]int16) {
	sample := func(n int) int16 { return int16(8192 * math.Sin(2*math.Pi*hz*float64(n)/48000)) }
	var n int
	if hz != math.Trunc(hz) {
		return func(f []int16) {
			for i := range f {
				f[i] = sample(n)
				n++
			}
		}
	}
	a, b := int(hz), 48000
	for b != 0 {
		a, b = b, a%b
	}
	table := make([]int16, 48000/a)
	for k := range table {
		table[k] = sample(k)
	}
	return func(f []int16) {
		for i := range f {
			f[i] = table[n]
			if n++; n == len(table) {
				n = 0
			}
		}
	}
}

func (v *virtualBackend) openPlayback(id string, onFrame func([]int16), fail func(error)) (stream, error) {
	buf := make([]int16, FrameSamples)
	switch {
	case id == "null":
		return v.run(func() error { onFrame(buf); return nil }, fail, nil), nil
	case strings.HasPrefix(id, "loop:"):
		if v.loop == nil {
			return nil, fmt.Errorf("%w: %q without a loop pair", ErrUnknownID, id)
		}
		return v.run(func() error { onFrame(buf); v.loop.write(buf); return nil }, fail, nil), nil
	case strings.HasPrefix(id, "wav:"):
		w, err := CreateWAV(strings.TrimPrefix(id, "wav:"))
		if err != nil {
			return nil, err
		}
		return v.run(func() error { onFrame(buf); return w.Write(buf) }, fail, func() { _ = w.Close() }), nil
	}
	return nil, fmt.Errorf("%w: %q is not a playback device", ErrUnknownID, id)
}

// router sends virtual ids to the virtual backend, rack ids to the rack
// and the rest to the real one.
type router struct {
	virtual *virtualBackend
	rack    *Rack
	real    backend
}

func (r router) pick(id string) (backend, error) {
	if strings.HasPrefix(id, rackPrefix) {
		return rackBackend{rack: r.rack, virtual: r.virtual}, nil
	}
	if isVirtual(id) {
		return r.virtual, nil
	}
	if r.real == nil {
		return nil, fmt.Errorf("%w: %q (no sound system)", ErrUnknownID, id)
	}
	return r.real, nil
}

func (r router) openCapture(id string, onFrame func([]int16), fail func(error)) (stream, error) {
	b, err := r.pick(id)
	if err != nil {
		return nil, err
	}
	return b.openCapture(id, onFrame, fail)
}

func (r router) openPlayback(id string, onFrame func([]int16), fail func(error)) (stream, error) {
	b, err := r.pick(id)
	if err != nil {
		return nil, err
	}
	return b.openPlayback(id, onFrame, fail)
}
