package audio

/*
#cgo pkg-config: speexdsp
#include <speex/speex_echo.h>
#include <speex/speex_preprocess.h>
#include <speex/speex_resampler.h>
*/
import "C"

import (
	"errors"
	"unsafe"

	"github.com/tgphone/tgphone/media"
)

// The DSP runs at 16 kHz: Opus at the engines' 8–32 kbit/s codes wideband
// (≤ 8 kHz audio) anyway, and AEC+NS cost a third of what they do at 48 kHz.
// The cleaned 16 kHz frame goes to the encoder as it is: resampling it back
// to 48 kHz only for Opus to resample it down again cost ≈ 12 µs a frame.
const (
	dspRate  = 16000
	dspFrame = dspRate / 50
	// echoTail is the echo path the canceller models: room reverb plus the
	// device latency left after aligning the far-end reference (up to ~120 ms).
	echoTail = 250 * dspRate / 1000
	// resamplerQuality 3 is speexdsp's VoIP setting (≈ 70 dB stop band).
	resamplerQuality = 3
)

// DSPConfig switches the speexdsp stages; each can be off on its own.
type DSPConfig struct {
	AEC, NS, AGC bool
}

// Processor runs echo cancellation, noise suppression and AGC (speexdsp) on
// 20 ms capture frames, using the played frame as the far-end reference.
type Processor struct {
	cfg            DSPConfig
	echo           *C.SpeexEchoState
	pre            *C.SpeexPreprocessState
	down, farDown  *C.SpeexResamplerState
	near, far, out []int16
}

// NewProcessor makes a processor; Close frees its C state.
func NewProcessor(cfg DSPConfig) (*Processor, error) {
	p := &Processor{cfg: cfg, near: make([]int16, dspFrame), far: make([]int16, dspFrame),
		out: make([]int16, dspFrame)}
	if !cfg.AEC && !cfg.NS && !cfg.AGC {
		return p, nil
	}
	var err C.int
	p.down = C.speex_resampler_init(1, C.spx_uint32_t(48000), C.spx_uint32_t(dspRate), resamplerQuality, &err)
	p.farDown = C.speex_resampler_init(1, C.spx_uint32_t(48000), C.spx_uint32_t(dspRate), resamplerQuality, &err)
	if p.down == nil || p.farDown == nil {
		p.Close()
		return nil, errors.New("speex resampler init failed")
	}
	if cfg.AEC {
		p.echo = C.speex_echo_state_init(C.int(dspFrame), C.int(echoTail))
		if p.echo == nil {
			p.Close()
			return nil, errors.New("speex echo canceller init failed")
		}
		rate := C.int(dspRate)
		C.speex_echo_ctl(p.echo, C.SPEEX_ECHO_SET_SAMPLING_RATE, unsafe.Pointer(&rate))
	}
	p.pre = C.speex_preprocess_state_init(C.int(dspFrame), C.int(dspRate))
	if p.pre == nil {
		p.Close()
		return nil, errors.New("speex preprocessor init failed")
	}
	setInt(p.pre, C.SPEEX_PREPROCESS_SET_DENOISE, b2i(cfg.NS))
	setInt(p.pre, C.SPEEX_PREPROCESS_SET_AGC, b2i(cfg.AGC))
	if cfg.AGC {
		level := C.float(8000)
		C.speex_preprocess_ctl(p.pre, C.SPEEX_PREPROCESS_SET_AGC_LEVEL, unsafe.Pointer(&level))
	}
	if cfg.AEC {
		// The preprocessor's residual-echo suppressor removes what the
		// linear filter leaves behind.
		C.speex_preprocess_ctl(p.pre, C.SPEEX_PREPROCESS_SET_ECHO_STATE, unsafe.Pointer(p.echo))
	}
	return p, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func setInt(st *C.SpeexPreprocessState, req C.int, v int) {
	x := C.int(v)
	C.speex_preprocess_ctl(st, req, unsafe.Pointer(&x))
}

// Rate is the sample rate of the frames Process returns: 16 kHz when any
// stage is on, else the devices' 48 kHz.
func (p *Processor) Rate() int {
	if p.pre == nil {
		return media.SampleRate
	}
	return dspRate
}

// Process cleans one 48 kHz capture frame; far is the frame the speaker
// played at the same moment (nil or short is treated as silence). It returns
// 20 ms at Rate(): capture itself when every stage is off, else the
// processor's own buffer, valid until the next call.
func (p *Processor) Process(capture, far []int16) []int16 {
	if p.pre == nil {
		return capture[:FrameSamples]
	}
	resample(p.down, capture[:FrameSamples], p.near)
	cur := p.near
	if p.echo != nil {
		if len(far) < FrameSamples {
			far = zeroFrame[:]
		}
		resample(p.farDown, far[:FrameSamples], p.far)
		C.speex_echo_cancellation(p.echo,
			(*C.spx_int16_t)(unsafe.Pointer(&p.near[0])),
			(*C.spx_int16_t)(unsafe.Pointer(&p.far[0])),
			(*C.spx_int16_t)(unsafe.Pointer(&p.out[0])))
		cur = p.out
	}
	C.speex_preprocess_run(p.pre, (*C.spx_int16_t)(unsafe.Pointer(&cur[0])))
	return cur
}

// resample converts one whole frame; the ratios are exact (3:1), so the
// speex resampler consumes all input and fills all output every call.
func resample(st *C.SpeexResamplerState, in, out []int16) {
	inLen, outLen := C.spx_uint32_t(len(in)), C.spx_uint32_t(len(out))
	C.speex_resampler_process_int(st, 0,
		(*C.spx_int16_t)(unsafe.Pointer(&in[0])), &inLen,
		(*C.spx_int16_t)(unsafe.Pointer(&out[0])), &outLen)
	clear(out[outLen:])
}

var zeroFrame [FrameSamples]int16

// Close frees the C state; the processor must not be used afterwards.
func (p *Processor) Close() {
	if p.pre != nil {
		C.speex_preprocess_state_destroy(p.pre)
		p.pre = nil
	}
	if p.echo != nil {
		C.speex_echo_state_destroy(p.echo)
		p.echo = nil
	}
	for _, r := range []**C.SpeexResamplerState{&p.down, &p.farDown} {
		if *r != nil {
			C.speex_resampler_destroy(*r)
			*r = nil
		}
	}
}
