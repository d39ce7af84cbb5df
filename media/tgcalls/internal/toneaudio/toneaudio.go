// Package toneaudio is a fake media.AudioPort for the tgcalls engines'
// tests: the microphone is a sine tone encoded with real Opus at real-time
// pace, and what the peer sends is kept for analysis. It is test support:
// nothing in the app imports it.
package toneaudio

import (
	"context"
	"math"
	"sort"
	"sync"
	"testing"
	"time"

	"gopkg.in/hraban/opus.v2"

	"github.com/tgphone/tgphone/media"
)

// Tone is a fake media.AudioPort: the microphone is a sine tone of Freq Hz
// encoded with real Opus at real-time pace; what the peer sends is kept for
// analysis.
type Tone struct {
	Freq  float64
	NoMic bool // ReadPacket never returns a packet; set before the call starts

	t testing.TB

	mu       sync.Mutex
	cfg      media.EncoderConfig
	cfgCh    chan struct{}
	enc      *opus.Encoder
	samples  uint32
	sentAt   map[uint32]time.Time // RTP timestamp → when the packet left the "mouth"
	recv     map[uint32][]byte
	arrivals map[uint32]time.Time
	first    time.Time
	next     time.Time
}

// New is a Tone of freq Hz; Segments fails t if it cannot make an Opus
// decoder.
func New(t testing.TB, freq float64) *Tone {
	return &Tone{
		t: t, Freq: freq, cfgCh: make(chan struct{}),
		sentAt: map[uint32]time.Time{}, recv: map[uint32][]byte{}, arrivals: map[uint32]time.Time{},
	}
}

// SetEncoder is the engine configuring the encoder; the first call lets the
// microphone start.
func (a *Tone) SetEncoder(cfg media.EncoderConfig) {
	a.mu.Lock()
	defer a.mu.Unlock()
	first := a.cfg.FrameDuration == 0
	a.cfg = cfg
	if a.enc != nil {
		_ = a.enc.SetInBandFEC(cfg.FEC)
		_ = a.enc.SetPacketLossPerc(cfg.PacketLossPct)
	}
	if first {
		close(a.cfgCh)
	}
}

// Frame is the frame duration the engine asked for last.
func (a *Tone) Frame() time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cfg.FrameDuration
}

// ReadPacket is the next microphone packet, once its frame has been
// "captured".
func (a *Tone) ReadPacket(ctx context.Context) (media.Packet, error) {
	if a.NoMic {
		<-ctx.Done()
		return media.Packet{}, ctx.Err()
	}
	select {
	case <-a.cfgCh:
	case <-ctx.Done():
		return media.Packet{}, ctx.Err()
	}
	a.mu.Lock()
	if a.enc == nil {
		enc, err := opus.NewEncoder(media.SampleRate, 1, opus.AppVoIP)
		if err != nil {
			a.mu.Unlock()
			return media.Packet{}, err
		}
		_ = enc.SetBitrate(a.cfg.Bitrate)
		_ = enc.SetInBandFEC(a.cfg.FEC)
		_ = enc.SetPacketLossPerc(a.cfg.PacketLossPct)
		a.enc = enc
		a.next = time.Now()
	}
	dur := a.cfg.FrameDuration
	n := int(dur * media.SampleRate / time.Second)
	pcm := make([]int16, n)
	for i := range pcm {
		ph := 2 * math.Pi * a.Freq * float64(int(a.samples)+i) / media.SampleRate
		pcm[i] = int16(12000 * math.Sin(ph))
	}
	buf := make([]byte, 1500)
	m, err := a.enc.Encode(pcm, buf)
	ts := a.samples
	a.samples += uint32(n)
	// A microphone hands over a frame once it has been captured: pace like one.
	a.next = a.next.Add(dur)
	wait := time.Until(a.next)
	a.mu.Unlock()
	if err != nil {
		return media.Packet{}, err
	}
	select {
	case <-time.After(wait):
	case <-ctx.Done():
		return media.Packet{}, ctx.Err()
	}
	a.mu.Lock()
	a.sentAt[ts] = time.Now()
	a.mu.Unlock()
	return media.Packet{Payload: buf[:m], Duration: dur, Timestamp: ts}, nil
}

// WritePacket keeps a packet from the peer; a repeated timestamp keeps the
// first.
func (a *Tone) WritePacket(p media.ReceivedPacket) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.first.IsZero() {
		a.first = p.Arrival
	}
	if _, dup := a.recv[p.Timestamp]; !dup {
		a.recv[p.Timestamp] = p.Payload
		a.arrivals[p.Timestamp] = p.Arrival
	}
}

// AudioStats reports nothing: there is no device.
func (a *Tone) AudioStats() media.AudioStats { return media.AudioStats{} }

// Packets counts distinct packets received.
func (a *Tone) Packets() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.recv)
}

// Segments decodes what arrived in timestamp order and splits it where
// packets were lost: each segment is phase-continuous audio.
func (a *Tone) Segments() [][]int16 {
	a.mu.Lock()
	defer a.mu.Unlock()
	dec, err := opus.NewDecoder(media.SampleRate, 1)
	if err != nil {
		a.t.Fatal(err)
	}
	ts := make([]uint32, 0, len(a.recv))
	for k := range a.recv {
		ts = append(ts, k)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
	var segs [][]int16
	var cur []int16
	var prevEnd uint32
	buf := make([]int16, media.SampleRate/5)
	for i, k := range ts {
		if i > 0 && k != prevEnd && len(cur) > 0 {
			segs = append(segs, cur)
			cur = nil
		}
		n, err := dec.Decode(a.recv[k], buf)
		if err != nil {
			continue
		}
		cur = append(cur, buf[:n]...)
		prevEnd = k + uint32(n)
	}
	if len(cur) > 0 {
		segs = append(segs, cur)
	}
	return segs
}

// Delays are mouth-to-ear transport delays: arrival at the peer minus the
// moment the frame was complete at the sender, plus the frame itself (the
// first sample waited that long in the microphone).
func Delays(from, to *Tone) []time.Duration {
	from.mu.Lock()
	defer from.mu.Unlock()
	to.mu.Lock()
	defer to.mu.Unlock()
	var out []time.Duration
	for ts, at := range to.arrivals {
		if sent, ok := from.sentAt[ts]; ok {
			out = append(out, at.Sub(sent)+from.cfg.FrameDuration)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
