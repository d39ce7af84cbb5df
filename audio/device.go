package audio

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
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
// devices, each paced by its own 20 ms clock like a sound card.
type virtualBackend struct {
	loop  *loopLine
	tick  time.Duration
	loops bool // WAV inputs loop instead of ending with silence
}

type clockStream struct {
	stop chan struct{}
	done chan struct{}
	once sync.Once
	end  func()
}

func (c *clockStream) Close() {
	c.once.Do(func() {
		close(c.stop)
		<-c.done
		if c.end != nil {
			c.end()
		}
	})
}

// run calls frame every tick until Close; frame errors end the stream via fail.
func (v *virtualBackend) run(frame func() error, fail func(error), end func()) *clockStream {
	c := &clockStream{stop: make(chan struct{}), done: make(chan struct{}), end: end}
	go func() {
		defer close(c.done)
		t := time.NewTicker(v.tick)
		defer t.Stop()
		for {
			select {
			case <-c.stop:
				return
			case <-t.C:
				if err := frame(); err != nil {
					fail(err)
					return
				}
			}
		}
	}()
	return c
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
		var n int
		return func(f []int16) {
			for i := range f {
				f[i] = int16(8192 * math.Sin(2*math.Pi*hz*float64(n)/48000))
				n++
			}
		}, nil
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
