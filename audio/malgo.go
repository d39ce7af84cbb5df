package audio

/*
#include <stdlib.h>
*/
import "C"

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/gen2brain/malgo"
	"github.com/tgphone/tgphone/media"
)

// malgoBackendNull is miniaudio's null backend. malgo v0.11.26 lacks the
// custom backend in its enum, so malgo.BackendNull maps to ma_backend_custom;
// the real null backend is one past it.
const malgoBackendNull = malgo.Backend(malgo.BackendNull + 1)

// malgoBackend opens real devices through miniaudio: PulseAudio or ALSA on
// Linux, falling back to the null backend (zeros in, output discarded).
type malgoBackend struct {
	ctx *malgo.AllocatedContext
}

var (
	malgoOnce sync.Once
	malgoCtx  *malgo.AllocatedContext
	malgoErr  error
)

// sharedMalgo initialises miniaudio once per process: contexts are costly and
// device enumeration must see the same backend that opens devices.
func sharedMalgo() (*malgoBackend, error) {
	malgoOnce.Do(func() {
		backends := []malgo.Backend{malgo.BackendPulseaudio, malgo.BackendAlsa, malgoBackendNull}
		malgoCtx, malgoErr = malgo.InitContext(backends, malgo.ContextConfig{}, nil)
		if malgoErr != nil {
			malgoErr = fmt.Errorf("init miniaudio: %w", malgoErr)
		}
	})
	if malgoErr != nil {
		return nil, malgoErr
	}
	return &malgoBackend{ctx: malgoCtx}, nil
}

// ListDevices enumerates real capture and playback devices. Virtual ids
// (tone:HZ, silence, file:PATH.wav, wav:PATH.wav, null, loop:) are always
// available in addition.
func ListDevices() ([]Device, error) {
	b, err := sharedMalgo()
	if err != nil {
		return nil, err
	}
	var out []Device
	for _, kind := range []malgo.DeviceType{malgo.Capture, malgo.Playback} {
		infos, err := b.ctx.Devices(kind)
		if err != nil {
			return nil, fmt.Errorf("list devices: %w", err)
		}
		for _, in := range infos {
			out = append(out, Device{ID: in.ID.String(), Name: in.Name(), Capture: kind == malgo.Capture, IsDefault: in.IsDefault != 0})
		}
	}
	return out, nil
}

// defaults names the system's default capture and playback devices.
func (b *malgoBackend) defaults() (capture, playback string, err error) {
	for _, kind := range []malgo.DeviceType{malgo.Capture, malgo.Playback} {
		infos, err := b.ctx.Devices(kind)
		if err != nil {
			return "", "", fmt.Errorf("list devices: %w", err)
		}
		for _, in := range infos {
			if in.IsDefault != 0 {
				if kind == malgo.Capture {
					capture = in.ID.String()
				} else {
					playback = in.ID.String()
				}
			}
		}
	}
	return capture, playback, nil
}

// findID resolves a device id string to miniaudio's id; nil means default.
func (b *malgoBackend) findID(kind malgo.DeviceType, id string) (*malgo.DeviceID, error) {
	if id == DefaultID || id == "" {
		return nil, nil
	}
	infos, err := b.ctx.Devices(kind)
	if err != nil {
		return nil, fmt.Errorf("list devices: %w", err)
	}
	for _, in := range infos {
		if in.ID.String() == id {
			d := in.ID
			return &d, nil
		}
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownID, id)
}

type malgoStream struct {
	dev     *malgo.Device
	mu      sync.Mutex
	closing bool
	once    sync.Once // a lost device may be closed by recovery and by Session.Close
}

func (s *malgoStream) Close() {
	s.once.Do(func() {
		s.mu.Lock()
		s.closing = true
		s.mu.Unlock()
		s.dev.Uninit()
	})
}

func (b *malgoBackend) open(kind malgo.DeviceType, id string, onFrame func([]int16), fail func(error)) (stream, error) {
	did, err := b.findID(kind, id)
	if err != nil {
		return nil, err
	}
	cfg := malgo.DefaultDeviceConfig(kind)
	cfg.SampleRate = media.SampleRate
	cfg.PeriodSizeInFrames = FrameSamples
	var sub *malgo.SubConfig
	if kind == malgo.Capture {
		sub = &cfg.Capture
	} else {
		sub = &cfg.Playback
	}
	sub.Format = malgo.FormatS16
	sub.Channels = 1
	if did != nil {
		p := did.Pointer() // C copy, freed once the device holds its own
		defer C.free(p)
		sub.DeviceID = p
	}
	s := &malgoStream{}
	// miniaudio delivers periods of any size; regroup into 20 ms frames.
	frame := make([]int16, 0, FrameSamples)
	var ready []int16
	data := func(out, in []byte, n uint32) {
		if kind == malgo.Capture {
			for i := 0; i+1 < len(in); i += 2 {
				frame = append(frame, int16(binary.LittleEndian.Uint16(in[i:])))
				if len(frame) == FrameSamples {
					onFrame(frame)
					frame = frame[:0]
				}
			}
			return
		}
		for i := 0; i+1 < len(out); i += 2 {
			if len(ready) == 0 {
				frame = frame[:FrameSamples]
				onFrame(frame)
				ready = frame
			}
			binary.LittleEndian.PutUint16(out[i:], uint16(ready[0]))
			ready = ready[1:]
		}
	}
	stop := func() {
		s.mu.Lock()
		closing := s.closing
		s.mu.Unlock()
		if !closing {
			fail(errors.New("device stopped (removed or lost)"))
		}
	}
	dev, err := malgo.InitDevice(b.ctx.Context, cfg, malgo.DeviceCallbacks{Data: data, Stop: stop})
	if err != nil {
		return nil, fmt.Errorf("open device %q: %w", id, err)
	}
	s.dev = dev
	if err := dev.Start(); err != nil {
		dev.Uninit()
		return nil, fmt.Errorf("start device %q: %w", id, err)
	}
	return s, nil
}

// openAny opens id; when the system default cannot be opened (ALSA without
// a configured card) it uses miniaudio's null backend, which paces callbacks
// like a sound card (ALSA's own "null" PCM does not: it would spin a core).
func (b *malgoBackend) openAny(kind malgo.DeviceType, id string, onFrame func([]int16), fail func(error)) (stream, error) {
	st, err := b.open(kind, id, onFrame, fail)
	if err == nil || (id != DefaultID && id != "") {
		return st, err
	}
	nb, nerr := nullMalgo()
	if nerr != nil {
		return nil, err
	}
	return nb.open(kind, DefaultID, onFrame, fail)
}

var (
	nullOnce sync.Once
	nullCtx  *malgo.AllocatedContext
	nullErr  error
)

func nullMalgo() (*malgoBackend, error) {
	nullOnce.Do(func() {
		nullCtx, nullErr = malgo.InitContext([]malgo.Backend{malgoBackendNull}, malgo.ContextConfig{}, nil)
	})
	if nullErr != nil {
		return nil, fmt.Errorf("init miniaudio null backend: %w", nullErr)
	}
	return &malgoBackend{ctx: nullCtx}, nil
}

func (b *malgoBackend) openCapture(id string, onFrame func([]int16), fail func(error)) (stream, error) {
	return b.openAny(malgo.Capture, id, onFrame, fail)
}

func (b *malgoBackend) openPlayback(id string, onFrame func([]int16), fail func(error)) (stream, error) {
	return b.openAny(malgo.Playback, id, onFrame, fail)
}
