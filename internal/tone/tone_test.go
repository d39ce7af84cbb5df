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

func TestLoopMatch(t *testing.T) {
	// A syllable-like signal: 440 Hz bursts of varied length and level.
	var ref []int16
	for k := range 8 {
		burst := sine(440, 2400+k*960)
		for i := range burst {
			burst[i] = burst[i] / int16(1+k%3)
		}
		ref = append(ref, burst...)
		ref = append(ref, make([]int16, 1920+k*480)...)
	}
	looped := append(append(append([]int16(nil), ref...), ref...), ref...)
	delayed := looped[12000 : 12000+len(ref)*2]
	offGrid := looped[12345 : 12345+len(ref)*2]                                                       // the delay is not a whole envelope step
	moved := append(append([]int16(nil), looped[12000:12000+48000]...), looped[30240:30240+48000]...) // the delay changes after a second
	gapped := append([]int16(nil), delayed...)
	for i := 0; i+4800 <= len(gapped); i += 4800 * 5 { // a 100 ms hole every half second
		clear(gapped[i : i+4800])
	}
	tests := []struct {
		name   string
		got    []int16
		lo, hi float64
	}{
		{"the same, delayed", delayed, 0.999, 1},
		{"delayed off the 10 ms grid", offGrid, 0.95, 1},
		{"a delay that changes", moved, 0.999, 1},
		{"with holes", gapped, 0.6, 0.95},
		{"silence", make([]int16, len(ref)), -1, 0.01},
		{"a steady tone", sine(440, len(ref)), -1, 0.2},
	}
	for _, tt := range tests {
		if got := LoopMatch(ref, tt.got); got < tt.lo || got > tt.hi {
			t.Errorf("%s: %.3f, want %.2f–%.2f", tt.name, got, tt.lo, tt.hi)
		}
	}
}
