package calltest

import (
	"math"
	"testing"

	"github.com/tgphone/tgphone/media"
)

// toneSegments is secs seconds of a freq Hz tone as 20 ms packets, one in
// ten lost (its segment cut there, as the fake audio records a gap).
func toneSegments(freq float64, secs int) [][]int16 {
	const frame = media.SampleRate / 50
	var segs [][]int16
	var cur []int16
	for p := 0; p < secs*50; p++ {
		if p%10 == 9 {
			segs, cur = append(segs, cur), nil
			continue
		}
		for i := 0; i < frame; i++ {
			n := p*frame + i
			cur = append(cur, int16(8000*math.Sin(2*math.Pi*freq*float64(n)/media.SampleRate)))
		}
	}
	return append(segs, cur)
}

// TestDominantFrequency: the scan finds a tone cut into packets with gaps.
func TestDominantFrequency(t *testing.T) {
	for _, f := range []float64{440, 811, 1477} {
		if got := DominantFrequency(toneSegments(f, 1)); math.Abs(got-f) > 0.5 {
			t.Errorf("%.0f Hz tone: found %.1f Hz", f, got)
		}
	}
}

func BenchmarkDominantFrequency(b *testing.B) {
	segs := toneSegments(697, 3)
	for b.Loop() {
		DominantFrequency(segs)
	}
}
