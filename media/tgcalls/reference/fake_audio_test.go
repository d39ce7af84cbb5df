package reference

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

// dominantFrequency finds the strongest tone between 100 and 2000 Hz in
// the longest phase-continuous segment (its last 0.5 s): a coarse Goertzel
// scan on 100 ms, a 1 Hz scan on 250 ms, then a ternary search on 0.5 s
// inside the main lobe, where the power is unimodal. (media/tgcalls scans
// 0.1 Hz steps over everything; that took 15 s a call under -race here.)
func dominantFrequency(segs [][]int16) float64 {
	var pcm []int16
	for _, s := range segs {
		if len(s) > len(pcm) {
			pcm = s
		}
	}
	if len(pcm) > media.SampleRate/2 {
		pcm = pcm[len(pcm)-media.SampleRate/2:]
	}
	windowed := func(n int) []float64 {
		n = min(n, len(pcm))
		x := make([]float64, n)
		for i := range x {
			x[i] = float64(pcm[len(pcm)-n+i]) * (0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n-1)))
		}
		return x
	}
	power := func(x []float64, f float64) float64 {
		c := 2 * math.Cos(2*math.Pi*f/media.SampleRate)
		var s1, s2 float64
		for _, v := range x {
			s1, s2 = v+c*s1-s2, s1
		}
		return s1*s1 + s2*s2 - c*s1*s2
	}
	if len(pcm) < media.SampleRate/10 {
		return 0
	}
	scan := func(x []float64, lo, hi, step float64) float64 {
		best, bestP := lo, -1.0
		for f := lo; f <= hi; f += step {
			if p := power(x, f); p > bestP {
				best, bestP = f, p
			}
		}
		return best
	}
	f := scan(windowed(media.SampleRate/10), 100, 2000, 10)
	f = scan(windowed(media.SampleRate/4), f-6, f+6, 1)
	x := windowed(media.SampleRate / 2)
	lo, hi := f-1.5, f+1.5
	for hi-lo > 0.02 {
		a, b := lo+(hi-lo)/3, hi-(hi-lo)/3
		if power(x, a) < power(x, b) {
			lo = a
		} else {
			hi = b
		}
	}
	return (lo + hi) / 2
}
