package tone

import (
	"math"
	"testing"
)

func sine(hz float64, n int) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(8000 * math.Sin(2*math.Pi*hz*float64(i)/48000))
	}
	return out
}

func TestDominant(t *testing.T) {
	for _, hz := range []float64{300, 440, 659.25, 1000} {
		if got := Dominant(sine(hz, 48000), 100, 2000); math.Abs(got-hz) > 0.1 {
			t.Errorf("Dominant(%v Hz) = %v", hz, got)
		}
	}
	if got := RMS(make([]int16, 10)); !math.IsInf(got, -1) {
		t.Errorf("RMS(silence) = %v", got)
	}
	if got := RMS(sine(440, 48000)); math.Abs(got-(-15.27)) > 0.1 {
		t.Errorf("RMS(sine 8000) = %v dBFS, want -15.27", got)
	}
}
