package audio

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
)

// ErrUnplugged is how a rack device fails when it is pulled out.
var ErrUnplugged = errors.New("device unplugged")

// rackPrefix names rack devices in a Config: "rack:NAME".
const rackPrefix = "rack:"

// Rack holds virtual devices that can be unplugged and plugged back in while
// a call runs, as a USB headset can be. Headless runs and tests use it to
// drive the same loss, reopen, fallback and return path real devices take.
// A rack device is named "rack:NAME" in Config and is backed by a virtual
// device (tone:HZ, silence, file:PATH.wav for capture; null, wav:PATH.wav
// for playback).
type Rack struct {
	mu    sync.Mutex
	slots map[string]*rackSlot
}

type rackSlot struct {
	source  string
	plugged bool
	live    map[*rackStream]struct{}
}

// rackStream is an open rack device; once unplugged it stops delivering
// frames, as a removed sound card does, until the session closes it.
type rackStream struct {
	r     *Rack
	slot  *rackSlot
	inner stream
	fail  func(error)
	gone  atomic.Bool
}

// NewRack returns an empty rack.
func NewRack() *Rack { return &Rack{slots: map[string]*rackSlot{}} }

// Plug connects device NAME, backed by the virtual device source.
func (r *Rack) Plug(name, source string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.slots[name]
	if s == nil {
		s = &rackSlot{live: map[*rackStream]struct{}{}}
		r.slots[name] = s
	}
	s.source, s.plugged = source, true
}

// Unplug disconnects device NAME: its open streams fail with ErrUnplugged
// and it cannot be opened until plugged back in.
func (r *Rack) Unplug(name string) {
	r.mu.Lock()
	s := r.slots[name]
	var failed []*rackStream
	if s != nil {
		s.plugged = false
		for st := range s.live {
			st.gone.Store(true)
			failed = append(failed, st)
		}
		clear(s.live)
	}
	r.mu.Unlock()
	for _, st := range failed { // outside mu: fail may wait for the session
		st.fail(fmt.Errorf("rack:%s: %w", name, ErrUnplugged))
	}
}

func (st *rackStream) Close() {
	st.r.mu.Lock()
	delete(st.slot.live, st)
	st.r.mu.Unlock()
	st.inner.Close()
}

// rackBackend opens rack devices through the virtual backend.
type rackBackend struct {
	rack    *Rack
	virtual *virtualBackend
}

func (b rackBackend) open(id string, onFrame func([]int16), fail func(error),
	open func(source string, onFrame func([]int16), fail func(error)) (stream, error)) (stream, error) {
	if b.rack == nil {
		return nil, fmt.Errorf("%w: %q (no rack configured)", ErrUnknownID, id)
	}
	name := strings.TrimPrefix(id, rackPrefix)
	b.rack.mu.Lock()
	defer b.rack.mu.Unlock()
	slot := b.rack.slots[name]
	if slot == nil || !slot.plugged {
		return nil, fmt.Errorf("%s: %w", id, ErrUnplugged)
	}
	st := &rackStream{r: b.rack, slot: slot, fail: fail}
	inner, err := open(slot.source, func(f []int16) {
		if st.gone.Load() {
			clear(f) // a pulled-out speaker plays nothing
			return
		}
		onFrame(f)
	}, func(err error) {
		if !st.gone.Swap(true) {
			fail(err)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", id, err)
	}
	st.inner = inner
	slot.live[st] = struct{}{}
	return st, nil
}

func (b rackBackend) openCapture(id string, onFrame func([]int16), fail func(error)) (stream, error) {
	return b.open(id, onFrame, fail, b.virtual.openCapture)
}

func (b rackBackend) openPlayback(id string, onFrame func([]int16), fail func(error)) (stream, error) {
	return b.open(id, onFrame, fail, b.virtual.openPlayback)
}
