package legacy

import (
	"context"
	"math"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/tgphone/tgphone/audio"
	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/wire"
)

// TestToneRealAudio runs the call with the real audio engine on virtual
// devices: tone inputs, WAV outputs, jitter buffer and PLC in the loop.
func TestToneRealAudio(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := newRelay(t, ctx)
	dir := t.TempDir()
	type leg struct {
		sess *audio.Session
		eng  *Engine
		rec  string
		want float64
	}
	var legs []*leg
	for i, hz := range []int{440, 1000} {
		rec := filepath.Join(dir, []string{"a.wav", "b.wav"}[i])
		sess, err := audio.Open(audio.Config{Input: "tone:" + strconv.Itoa(hz), Output: "wav:" + rec}, nil)
		if err != nil {
			t.Fatal(err)
		}
		tag := wire.Tag{1, 2, 3, 15: byte(i)}
		eng, err := NewWithOptions(media.Params{Key: testKey(), Outgoing: i == 0, LibraryVersion: "2.4.4",
			Reflectors: []media.Reflector{{ID: 1, IP: "127.0.0.1", Port: int(r.Addr().Port()), PeerTag: tag}}, Audio: sess}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := eng.Start(ctx); err != nil {
			t.Fatal(err)
		}
		legs = append(legs, &leg{sess: sess, eng: eng, rec: rec, want: float64([]int{1000, 440}[i])})
	}
	waitFor(t, "3 s of audio both ways", 20*time.Second, func() bool {
		return legs[0].sess.AudioStats().PacketsReceived >= 50 && legs[1].sess.AudioStats().PacketsReceived >= 50
	})
	for _, l := range legs {
		l.eng.Close()
		l.sess.Close()
	}
	for _, l := range legs {
		pcm, err := audio.ReadWAV(l.rec)
		if err != nil {
			t.Fatal(err)
		}
		if len(pcm) < 3*media.SampleRate {
			t.Fatalf("%s: %d samples", l.rec, len(pcm))
		}
		// The last 2 s before the end of the call, leaving out the tail where
		// the jitter buffer drains into concealment.
		seg := pcm[len(pcm)-5*media.SampleRate/2 : len(pcm)-media.SampleRate/2]
		x := make([]float64, len(seg))
		for i, s := range seg {
			x[i] = float64(s)
		}
		if got := dominant(x); math.Abs(got-l.want) > 2 {
			t.Errorf("%s: dominant %.2f Hz, want %v±2", filepath.Base(l.rec), got, l.want)
		}
	}
}

// BenchmarkMouthToEar measures, with the real audio engine on virtual
// devices, the time from a tone starting on A's input to its onset in B's
// playback (B's WAV output runs on a 20 ms real-time clock from Open, so
// sample n plays at open+n/48000). Includes capture framing, Opus, both
// engines, the reflector, the jitter buffer and playout.
func BenchmarkMouthToEar(b *testing.B) {
	for b.Loop() {
		ctx, cancel := context.WithCancel(context.Background())
		r := newRelay(b, ctx)
		rec := filepath.Join(b.TempDir(), "b.wav")
		sa, err := audio.Open(audio.Config{Input: "silence", Output: "null"}, nil)
		if err != nil {
			b.Fatal(err)
		}
		openB := time.Now()
		sb, err := audio.Open(audio.Config{Input: "silence", Output: "wav:" + rec}, nil)
		if err != nil {
			b.Fatal(err)
		}
		var engs []*Engine
		for i, s := range []*audio.Session{sa, sb} {
			eng, err := NewWithOptions(media.Params{Key: testKey(), Outgoing: i == 0, Audio: s,
				Reflectors: []media.Reflector{{ID: 1, IP: "127.0.0.1", Port: int(r.Addr().Port()), PeerTag: wire.Tag{15: byte(i)}}}}, Options{})
			if err != nil {
				b.Fatal(err)
			}
			eng.Start(ctx)
			engs = append(engs, eng)
		}
		waitFor(b, "flow", 20*time.Second, func() bool { return sb.AudioStats().PacketsReceived >= 20 })
		t0 := time.Now()
		if err := sa.SwitchInput("tone:1000"); err != nil {
			b.Fatal(err)
		}
		time.Sleep(time.Second)
		for _, e := range engs {
			e.Close()
		}
		sa.Close()
		sb.Close()
		cancel()
		pcm, err := audio.ReadWAV(rec)
		if err != nil {
			b.Fatal(err)
		}
		const win = 480 // 10 ms
		var peak float64
		rms := make([]float64, len(pcm)/win)
		for i := range rms {
			var s float64
			for _, v := range pcm[i*win : (i+1)*win] {
				s += float64(v) * float64(v)
			}
			rms[i] = math.Sqrt(s / win)
			peak = max(peak, rms[i])
		}
		onset := -1
		for i, v := range rms {
			if v > peak/3 && openB.Add(time.Duration(i*win)*time.Second/media.SampleRate).After(t0) {
				onset = i
				break
			}
		}
		if onset < 0 {
			b.Fatal("no tone onset in the recording")
		}
		d := openB.Add(time.Duration(onset*win) * time.Second / media.SampleRate).Sub(t0)
		b.ReportMetric(float64(d.Milliseconds()), "mouth-to-ear-ms")
	}
}
