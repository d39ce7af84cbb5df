package audio

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/tgphone/tgphone/media"
)

// echoPath is a synthetic room: the far-end signal comes back on the
// microphone after delay, through a sparse decaying impulse response.
type echoPath struct {
	taps []int
	gain []float64
}

func newEchoPath(delay time.Duration, seed uint64) echoPath {
	r := rand.New(rand.NewPCG(seed, 7))
	d := samplesOf(delay)
	p := echoPath{taps: []int{d}, gain: []float64{0.5}}
	for range 64 { // reflections over 80 ms, RT60 ≈ 150 ms
		off := r.IntN(samplesOf(80 * time.Millisecond))
		p.taps = append(p.taps, d+off)
		p.gain = append(p.gain, 0.25*r.NormFloat64()*math.Pow(10, -3*float64(off)/float64(samplesOf(150*time.Millisecond))))
	}
	return p
}

func (p echoPath) apply(far []int16) []float64 {
	out := make([]float64, len(far))
	for k, t := range p.taps {
		for i := t; i < len(far); i++ {
			out[i] += p.gain[k] * float64(far[i-t])
		}
	}
	return out
}

func loopTo(pcm []int16, n int) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = pcm[i%len(pcm)]
	}
	return out
}

func power(x []int16) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return s/float64(len(x)) + 1e-9
}

type aecResult struct{ erle, dtAttenuation float64 }

// runAEC plays 12 s of far-end speech through the path; near-end talk joins
// for the last 2 s. ERLE is measured over seconds 7–10 (converged, near-end
// silent); double-talk attenuation is near-end power in vs. output power out.
func runAEC(tb testing.TB, delay time.Duration) aecResult {
	sp := mustSpeech(tb)
	n := 12 * media.SampleRate
	far := loopTo(sp, n)
	echo := newEchoPath(delay, uint64(delay)).apply(far)
	near := make([]int16, n)
	nearSrc := loopTo(sp[len(sp)/2:], n) // other words than the far end says at that moment
	for i := 10 * media.SampleRate; i < n; i++ {
		near[i] = nearSrc[i] / 2
	}
	mic := make([]int16, n)
	for i := range mic {
		mic[i] = int16(max(min(echo[i]+float64(near[i]), 32767), -32768))
	}
	p, err := NewProcessor(DSPConfig{AEC: true, NS: true})
	if err != nil {
		tb.Fatal(err)
	}
	defer p.Close()
	// out is at the processor's rate; power is a mean, so the ratios hold
	// across rates (the speech has < 0.1 % of its energy above 8 kHz).
	var out []int16
	for i := 0; i+FrameSamples <= n; i += FrameSamples {
		out = append(out, p.Process(mic[i:i+FrameSamples], far[i:i+FrameSamples])...)
	}
	a, b := 7*media.SampleRate, 10*media.SampleRate
	oa, ob := a*p.Rate()/media.SampleRate, b*p.Rate()/media.SampleRate
	return aecResult{
		erle:          10 * math.Log10(power(mic[a:b])/power(out[oa:ob])),
		dtAttenuation: 10 * math.Log10(power(near[b:])/power(out[ob:])),
	}
}

func TestEchoCancellation(t *testing.T) {
	for _, d := range []time.Duration{40 * time.Millisecond, 80 * time.Millisecond, 120 * time.Millisecond} {
		t.Run(d.String(), func(t *testing.T) {
			r := runAEC(t, d)
			t.Logf("ERLE %.1f dB, double-talk near-end attenuation %.1f dB", r.erle, r.dtAttenuation)
			if r.erle < 25 {
				t.Fatalf("ERLE %.1f dB < 25 dB", r.erle)
			}
			if r.dtAttenuation > 12 {
				t.Fatalf("double talk cut the near end by %.1f dB", r.dtAttenuation)
			}
		})
	}
}

func BenchmarkEchoCancellation(b *testing.B) {
	for _, d := range []time.Duration{40 * time.Millisecond, 80 * time.Millisecond, 120 * time.Millisecond} {
		b.Run(d.String(), func(b *testing.B) {
			var r aecResult
			for b.Loop() {
				r = runAEC(b, d)
			}
			b.ReportMetric(r.erle, "ERLE_dB")
			b.ReportMetric(r.dtAttenuation, "dt_atten_dB")
		})
	}
}

func TestProcessorSwitches(t *testing.T) {
	tests := []struct {
		name string
		cfg  DSPConfig
		same bool // output equals input
	}{
		{"all off", DSPConfig{}, true},
		{"ns only", DSPConfig{NS: true}, false},
		{"agc only", DSPConfig{AGC: true}, false},
		{"aec only", DSPConfig{AEC: true}, false},
	}
	in := loopTo(mustSpeech(t), 50*FrameSamples)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewProcessor(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			same := true
			for i := 0; i < len(in); i += FrameSamples {
				out := p.Process(in[i:i+FrameSamples], in[i:i+FrameSamples])
				same = same && slices.Equal(out, in[i:i+FrameSamples])
			}
			if same != tt.same {
				t.Fatalf("output unchanged = %v, want %v", same, tt.same)
			}
		})
	}
}

// BenchmarkDuplex20ms is the per-call CPU cost of 20 ms of duplex audio:
// capture AEC+NS, Opus encode, jitter-buffer put, decode and pull; in
// 20 ms packets (V2) and, without DSP, in the legacy engine's 60 ms ones.
func BenchmarkDuplex20ms(b *testing.B) {
	for _, cfg := range []struct {
		name   string
		dsp    DSPConfig
		packet time.Duration
	}{{"aec+ns", DSPConfig{AEC: true, NS: true}, 20 * time.Millisecond},
		{"aec+ns+agc", DSPConfig{AEC: true, NS: true, AGC: true}, 20 * time.Millisecond},
		{"no-dsp", DSPConfig{}, 20 * time.Millisecond},
		{"no-dsp-60ms", DSPConfig{}, 60 * time.Millisecond}} {
		b.Run(cfg.name, func(b *testing.B) {
			sp := mustSpeech(b)
			p, err := NewProcessor(cfg.dsp)
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			enc, err := NewEncoder(media.EncoderConfig{FrameDuration: cfg.packet, Bitrate: 24000, FEC: true}, p.Rate())
			if err != nil {
				b.Fatal(err)
			}
			jb := newJB(b)
			frame := make([]int16, FrameSamples)
			out := make([]int16, FrameSamples)
			i := 0
			now := epoch
			defer reportCPU(b)()
			for b.Loop() {
				off := (i * FrameSamples) % (len(sp) - FrameSamples)
				copy(frame, sp[off:])
				pkt, ok, err := enc.Push(p.Process(frame, out))
				if err != nil {
					b.Fatal(err)
				}
				if ok {
					jb.Put(media.ReceivedPacket{Timestamp: pkt.Timestamp, Payload: pkt.Payload, Arrival: now})
				}
				jb.Pull(out, now)
				now = now.Add(20 * time.Millisecond)
				i++
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/20e6*100, "%core")
		})
	}
}
