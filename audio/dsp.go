package audio

/*
#cgo pkg-config: speexdsp
#include <speex/speex_echo.h>
#include <speex/speex_preprocess.h>
*/
import "C"

import (
	"errors"
	"unsafe"
)

// echoTail is the echo path the canceller models: room reverb plus the
// device latency left after aligning the far-end reference (up to ~120 ms).
const echoTail = 250 * 48 // 250 ms in samples

// DSPConfig switches the speexdsp stages; each can be off on its own.
type DSPConfig struct {
	AEC, NS, AGC bool
}

// Processor runs echo cancellation, noise suppression and AGC (speexdsp) on
// 20 ms capture frames, using the played frame as the far-end reference.
type Processor struct {
	cfg  DSPConfig
	echo *C.SpeexEchoState
	pre  *C.SpeexPreprocessState
	out  []int16
}

// NewProcessor makes a processor; Close frees its C state.
func NewProcessor(cfg DSPConfig) (*Processor, error) {
	p := &Processor{cfg: cfg, out: make([]int16, FrameSamples)}
	if cfg.AEC {
		p.echo = C.speex_echo_state_init(C.int(FrameSamples), C.int(echoTail))
		if p.echo == nil {
			return nil, errors.New("speex echo canceller init failed")
		}
		rate := C.int(48000)
		C.speex_echo_ctl(p.echo, C.SPEEX_ECHO_SET_SAMPLING_RATE, unsafe.Pointer(&rate))
	}
	if cfg.NS || cfg.AGC || cfg.AEC {
		p.pre = C.speex_preprocess_state_init(C.int(FrameSamples), C.int(48000))
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

// Process cleans one capture frame in place; far is the frame the speaker
// played at the same moment (nil or short is treated as silence).
func (p *Processor) Process(capture, far []int16) {
	if p.echo != nil {
		if len(far) < FrameSamples {
			far = zeroFrame[:]
		}
		C.speex_echo_cancellation(p.echo,
			(*C.spx_int16_t)(unsafe.Pointer(&capture[0])),
			(*C.spx_int16_t)(unsafe.Pointer(&far[0])),
			(*C.spx_int16_t)(unsafe.Pointer(&p.out[0])))
		copy(capture, p.out)
	}
	if p.pre != nil {
		C.speex_preprocess_run(p.pre, (*C.spx_int16_t)(unsafe.Pointer(&capture[0])))
	}
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
}
