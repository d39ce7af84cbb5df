package tgcalls

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

// toneAudio is a fake media.AudioPort: the microphone is a sine tone encoded
// with real Opus at real-time pace; what the peer sends is kept for analysis.
type toneAudio struct {
	t     testing.TB
	freq  float64
	noMic bool // ReadPacket never returns a packet

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

func newToneAudio(t testing.TB, freq float64) *toneAudio {
	return &toneAudio{
		t: t, freq: freq, cfgCh: make(chan struct{}),
		sentAt: map[uint32]time.Time{}, recv: map[uint32][]byte{}, arrivals: map[uint32]time.Time{},
	}
}

func (a *toneAudio) SetEncoder(cfg media.EncoderConfig) {
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

func (a *toneAudio) frame() time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cfg.FrameDuration
}

func (a *toneAudio) ReadPacket(ctx context.Context) (media.Packet, error) {
	if a.noMic {
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
		ph := 2 * math.Pi * a.freq * float64(int(a.samples)+i) / media.SampleRate
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

func (a *toneAudio) WritePacket(p media.ReceivedPacket) {
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

func (a *toneAudio) AudioStats() media.AudioStats { return media.AudioStats{} }

// packets counts distinct packets received.
func (a *toneAudio) packets() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.recv)
}

// segments decodes what arrived in timestamp order and splits it where
// packets were lost: each segment is phase-continuous audio.
func (a *toneAudio) segments() [][]int16 {
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

// delays are mouth-to-ear transport delays: arrival at the peer minus the
// moment the frame was complete at the sender, plus the frame itself (the
// first sample waited that long in the microphone).
func delays(from, to *toneAudio) []time.Duration {
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

// dominantFrequency finds the strongest tone between 100 and 2000 Hz with a
// Goertzel scan, then refines it to 0.1 Hz around the peak. Segments are
// windowed separately and their power summed, so the phase jumps at lost
// packets do not smear the peak. Long segments are cut into 250 ms chunks:
// a longer window's main lobe gets narrower than the 5 Hz coarse step, and
// the scan would miss the tone.
func dominantFrequency(segs [][]int16) float64 {
	const chunk = media.SampleRate / 4
	var chunks [][]int16
	for _, s := range segs {
		for len(s) > chunk {
			chunks = append(chunks, s[:chunk])
			s = s[chunk:]
		}
		chunks = append(chunks, s)
	}
	segs = chunks
	power := func(f float64) float64 {
		w := 2 * math.Pi * f / media.SampleRate
		c := 2 * math.Cos(w)
		total := 0.0
		for _, pcm := range segs {
			n := len(pcm)
			if n < media.SampleRate/20 {
				continue // shorter than 50 ms: too coarse to help
			}
			var s1, s2 float64
			for i, v := range pcm {
				win := 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n-1))
				s := float64(v)*win + c*s1 - s2
				s2, s1 = s1, s
			}
			total += s1*s1 + s2*s2 - c*s1*s2
		}
		return total
	}
	best, bestP := 0.0, -1.0
	for f := 100.0; f <= 2000; f += 5 {
		if p := power(f); p > bestP {
			best, bestP = f, p
		}
	}
	lo := best - 5
	for f := lo; f <= lo+10; f += 0.1 {
		if p := power(f); p > bestP {
			best, bestP = f, p
		}
	}
	return best
}
