package legacy

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

// fakeAudio is an AudioPort that encodes a real-time tone with real Opus and
// records the peer's packets for decoding after the call.
type fakeAudio struct {
	t    testing.TB
	hz   float64
	enc  *opus.Encoder
	tick *time.Ticker
	n    int
	ts   uint32

	mu       sync.Mutex
	got      map[uint32][]byte
	arrivals map[uint32]time.Time
	cfgs     []media.EncoderConfig
	sentAt   map[uint32]time.Time
}

const frame = 2880 // 60 ms at 48 kHz

func newFakeAudio(t testing.TB, hz float64) *fakeAudio {
	enc, err := opus.NewEncoder(media.SampleRate, 1, opus.AppVoIP)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeAudio{t: t, hz: hz, enc: enc, tick: time.NewTicker(60 * time.Millisecond),
		got: map[uint32][]byte{}, arrivals: map[uint32]time.Time{}, sentAt: map[uint32]time.Time{}}
}

func (f *fakeAudio) ReadPacket(ctx context.Context) (media.Packet, error) {
	select {
	case <-ctx.Done():
		return media.Packet{}, ctx.Err()
	case <-f.tick.C:
	}
	pcm := make([]int16, frame)
	for i := range pcm {
		pcm[i] = int16(8000 * math.Sin(2*math.Pi*f.hz*float64(f.n+i)/media.SampleRate))
	}
	f.n += frame
	buf := make([]byte, 1500)
	f.mu.Lock()
	n, err := f.enc.Encode(pcm, buf)
	ts := f.ts
	f.ts += frame
	f.sentAt[ts] = time.Now()
	f.mu.Unlock()
	if err != nil {
		return media.Packet{}, err
	}
	return media.Packet{Payload: buf[:n], Duration: 60 * time.Millisecond, Timestamp: ts}, nil
}

func (f *fakeAudio) WritePacket(p media.ReceivedPacket) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, dup := f.got[p.Timestamp]; !dup {
		f.got[p.Timestamp] = p.Payload
		f.arrivals[p.Timestamp] = p.Arrival
	}
}

func (f *fakeAudio) SetEncoder(cfg media.EncoderConfig) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cfgs = append(f.cfgs, cfg)
	if err := f.enc.SetBitrate(cfg.Bitrate); err != nil {
		f.t.Errorf("set bitrate %d: %v", cfg.Bitrate, err)
	}
}

func (f *fakeAudio) AudioStats() media.AudioStats {
	f.mu.Lock()
	defer f.mu.Unlock()
	return media.AudioStats{PacketsReceived: uint64(len(f.got))}
}

func (f *fakeAudio) received() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.got)
}

// decode plays the received packets out in timestamp order, concealing gaps.
func (f *fakeAudio) decode(t testing.TB) []float64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	dec, err := opus.NewDecoder(media.SampleRate, 1)
	if err != nil {
		t.Fatal(err)
	}
	var tss []uint32
	for ts := range f.got {
		tss = append(tss, ts)
	}
	sort.Slice(tss, func(i, j int) bool { return tss[i] < tss[j] })
	var out []float64
	pcm := make([]int16, frame)
	for i, ts := range tss {
		if i > 0 {
			for gap := tss[i-1] + frame; gap < ts; gap += frame {
				if err := dec.DecodePLC(pcm); err == nil {
					out = appendPCM(out, pcm)
				}
			}
		}
		n, err := dec.Decode(f.got[ts], pcm)
		if err != nil {
			t.Errorf("decode packet ts %d: %v", ts, err)
			continue
		}
		out = appendPCM(out, pcm[:n])
	}
	return out
}

func appendPCM(out []float64, pcm []int16) []float64 {
	for _, s := range pcm {
		out = append(out, float64(s))
	}
	return out
}

func goertzel(x []float64, hz float64) float64 {
	w := 2 * math.Pi * hz / media.SampleRate
	c := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range x {
		s1, s2 = v+c*s1-s2, s1
	}
	return s1*s1 + s2*s2 - c*s1*s2
}

// dominant finds the strongest frequency: a coarse scan, then a fine one.
func dominant(x []float64) float64 {
	best, bestP := 0.0, -1.0
	for hz := 100.0; hz <= 2000; hz += 2 {
		if p := goertzel(x, hz); p > bestP {
			best, bestP = hz, p
		}
	}
	lo := best - 3
	for hz := lo; hz <= lo+6; hz += 0.05 {
		if p := goertzel(x, hz); p > bestP {
			best, bestP = hz, p
		}
	}
	return best
}

func TestDominant(t *testing.T) {
	for _, hz := range []float64{440, 1000, 733.3} {
		x := make([]float64, 48000)
		for i := range x {
			x[i] = math.Sin(2 * math.Pi * hz * float64(i) / media.SampleRate)
		}
		if got := dominant(x); math.Abs(got-hz) > 0.5 {
			t.Errorf("dominant(%v Hz tone) = %v", hz, got)
		}
	}
}
