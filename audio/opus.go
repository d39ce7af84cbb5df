package audio

import (
	"errors"
	"fmt"
	"time"

	"github.com/tgphone/tgphone/media"
	"gopkg.in/hraban/opus.v2"
)

// FrameSamples is one 20 ms frame at 48 kHz mono: the unit every device
// callback, DSP stage and jitter-buffer pull works in.
const FrameSamples = media.SampleRate / 50

// opusComplexity trades encoder CPU for quality: 1 keeps 20 ms of duplex
// audio with AEC+NS near 140 µs here (5 costs ≈ +100 µs) and the speech
// envelope and FEC figures did not change measurably between 1 and 5.
const opusComplexity = 1

// minFECLossPct is the loss the encoder plans for whenever FEC is on.
const minFECLossPct = 10

// maxPacketSamples is Opus' longest packet (120 ms).
const maxPacketSamples = media.SampleRate * 120 / 1000

// ErrBadPacket reports an Opus packet whose TOC does not parse.
var ErrBadPacket = errors.New("malformed opus packet")

// PacketSamples returns the number of 48 kHz samples an Opus packet holds,
// from its TOC byte and frame count (RFC 6716 §3.1).
func PacketSamples(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, fmt.Errorf("%w: empty", ErrBadPacket)
	}
	toc := p[0]
	cfg := toc >> 3
	var per int // samples per frame at 48 kHz
	switch {
	case cfg < 12: // SILK: 10, 20, 40, 60 ms
		per = []int{480, 960, 1920, 2880}[cfg&3]
	case cfg < 16: // hybrid: 10, 20 ms
		per = []int{480, 960}[cfg&1]
	default: // CELT: 2.5, 5, 10, 20 ms
		per = []int{120, 240, 480, 960}[cfg&3]
	}
	var frames int
	switch toc & 3 {
	case 0:
		frames = 1
	case 1, 2:
		frames = 2
	default:
		if len(p) < 2 {
			return 0, fmt.Errorf("%w: code 3 without frame count", ErrBadPacket)
		}
		frames = int(p[1] & 0x3f)
		if frames == 0 {
			return 0, fmt.Errorf("%w: zero frames", ErrBadPacket)
		}
	}
	n := per * frames
	if n > maxPacketSamples {
		return 0, fmt.Errorf("%w: %d samples exceed 120 ms", ErrBadPacket, n)
	}
	return n, nil
}

// Encoder turns 20 ms PCM frames into Opus packets of the duration the media
// engine asks for.
type Encoder struct {
	enc     *opus.Encoder
	rate    int // input sample rate
	cfg     media.EncoderConfig
	pending []int16
	ts      uint32
	out     []byte
}

// NewEncoder makes a VOIP-mode Opus encoder configured by cfg, taking frames
// at rate (8, 12, 16, 24 or 48 kHz). Timestamps count 48 kHz samples whatever
// the input rate, as RTP's Opus clock does.
func NewEncoder(cfg media.EncoderConfig, rate int) (*Encoder, error) {
	enc, err := opus.NewEncoder(rate, 1, opus.AppVoIP)
	if err != nil {
		return nil, fmt.Errorf("new opus encoder at %d Hz: %w", rate, err)
	}
	if err := enc.SetComplexity(opusComplexity); err != nil {
		return nil, fmt.Errorf("opus complexity: %w", err)
	}
	e := &Encoder{enc: enc, rate: rate, out: make([]byte, 1500)}
	if err := e.Configure(cfg); err != nil {
		return nil, err
	}
	return e, nil
}

// normalize clamps an engine's request to what the product supports.
func normalize(cfg media.EncoderConfig) media.EncoderConfig {
	switch cfg.FrameDuration {
	case 20 * time.Millisecond, 40 * time.Millisecond, 60 * time.Millisecond:
	default:
		cfg.FrameDuration = 20 * time.Millisecond
	}
	cfg.Bitrate = min(max(cfg.Bitrate, 8000), 32000)
	cfg.PacketLossPct = min(max(cfg.PacketLossPct, 0), 100)
	return cfg
}

// Configure applies a new encoder configuration; it takes effect with the next packet.
func (e *Encoder) Configure(cfg media.EncoderConfig) error {
	cfg = normalize(cfg)
	if err := e.enc.SetBitrate(cfg.Bitrate); err != nil {
		return fmt.Errorf("opus bitrate %d: %w", cfg.Bitrate, err)
	}
	if err := e.enc.SetInBandFEC(cfg.FEC); err != nil {
		return fmt.Errorf("opus fec: %w", err)
	}
	loss := cfg.PacketLossPct
	if cfg.FEC {
		// libopus 1.3 emits no LBRR below ≈10 % expected loss at WB, which
		// would make FEC a no-op on a lightly lossy link.
		loss = max(loss, minFECLossPct)
	}
	if err := e.enc.SetPacketLossPerc(loss); err != nil {
		return fmt.Errorf("opus loss %d%%: %w", cfg.PacketLossPct, err)
	}
	if err := e.enc.SetDTX(cfg.DTX); err != nil {
		return fmt.Errorf("opus dtx: %w", err)
	}
	e.cfg = cfg
	return nil
}

// Config returns the configuration in effect.
func (e *Encoder) Config() media.EncoderConfig { return e.cfg }

// Push adds one 20 ms frame at the encoder's rate; when enough frames for a
// packet have gathered it returns the packet and true. The payload is a fresh slice.
func (e *Encoder) Push(frame []int16) (media.Packet, bool, error) {
	e.pending = append(e.pending, frame...)
	ms := int(e.cfg.FrameDuration / time.Millisecond)
	need := ms * e.rate / 1000
	if len(e.pending) < need {
		return media.Packet{}, false, nil
	}
	n, err := e.enc.Encode(e.pending[:need], e.out)
	ts := e.ts
	e.ts += uint32(ms * media.SampleRate / 1000)
	e.pending = append(e.pending[:0], e.pending[need:]...)
	if err != nil {
		return media.Packet{}, false, fmt.Errorf("opus encode: %w", err)
	}
	return media.Packet{
		Payload:   append([]byte(nil), e.out[:n]...),
		Duration:  e.cfg.FrameDuration,
		Timestamp: ts,
	}, true, nil
}

// Decoder decodes peer packets of any valid duration and conceals losses.
type Decoder struct {
	dec *opus.Decoder
}

// NewDecoder makes a 48 kHz mono Opus decoder.
func NewDecoder() (*Decoder, error) {
	dec, err := opus.NewDecoder(media.SampleRate, 1)
	if err != nil {
		return nil, fmt.Errorf("new opus decoder: %w", err)
	}
	return &Decoder{dec: dec}, nil
}

// Decode decodes p into out (at least maxPacketSamples long) and returns the sample count.
func (d *Decoder) Decode(p []byte, out []int16) (int, error) {
	want, err := PacketSamples(p)
	if err != nil {
		return 0, err
	}
	n, err := d.dec.Decode(p, out[:want])
	if err != nil {
		return 0, fmt.Errorf("opus decode: %w", err)
	}
	return n, nil
}

// Conceal fills out with packet-loss concealment; len(out) must be a multiple of 2.5 ms.
func (d *Decoder) Conceal(out []int16) error {
	if err := d.dec.DecodePLC(out); err != nil {
		return fmt.Errorf("opus plc: %w", err)
	}
	return nil
}

// RecoverFEC fills out (the missing span just before next) from next's in-band FEC.
func (d *Decoder) RecoverFEC(next []byte, out []int16) error {
	if _, err := PacketSamples(next); err != nil {
		return err
	}
	if err := d.dec.DecodeFEC(next, out); err != nil {
		return fmt.Errorf("opus fec decode: %w", err)
	}
	return nil
}

// hasLBRR reports whether a SILK or hybrid packet carries in-band FEC for the
// previous frame: the LBRR flag follows the VAD flags as the first range-coded
// bits, each with probability ½, so it reads straight from the first data
// byte (libopus 1.5 opus_packet_has_lbrr does the same; Debian 12 ships 1.3).
func hasLBRR(p []byte) bool {
	if len(p) < 2 || p[0]>>3 >= 16 { // CELT-only packets carry no FEC
		return false
	}
	silkFrames := 1
	if cfg := p[0] >> 3; cfg < 12 {
		silkFrames = []int{1, 1, 2, 3}[cfg&3]
	}
	off := 1
	switch p[0] & 3 {
	case 2:
		if p[1] >= 252 {
			off += 2
		} else {
			off++
		}
	case 3:
		if len(p) < 3 {
			return false
		}
		off = 2
		if p[1]&0x40 != 0 { // padding length bytes
			for off < len(p) && p[off] == 255 {
				off++
			}
			off++
		}
		if p[1]&0x80 != 0 { // VBR: first frame length precedes data
			if off < len(p) && p[off] >= 252 {
				off += 2
			} else {
				off++
			}
		}
	}
	if off >= len(p) {
		return false
	}
	return (p[off]>>(7-silkFrames))&1 == 1
}
