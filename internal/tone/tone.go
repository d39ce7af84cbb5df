// Package tone measures test tones: the dominant frequency of a recording,
// for tests and benchmarks that send tone:HZ through a call and check what
// comes out at the other end (goal: within ±2 Hz).
package tone

import "math"

// Dominant returns the strongest frequency in [lo, hi] Hz of 48 kHz mono
// PCM, by a coarse 1 Hz Goertzel sweep refined at 0.05 Hz around the peak.
func Dominant(pcm []int16, lo, hi float64) float64 {
	coarse := sweep(pcm, lo, hi, 1)
	return sweep(pcm, max(lo, coarse-1), min(hi, coarse+1), 0.05)
}

func sweep(pcm []int16, lo, hi, step float64) float64 {
	best, bestF := -1.0, lo
	for f := lo; f <= hi; f += step {
		if p := Power(pcm, f); p > best {
			best, bestF = p, f
		}
	}
	return bestF
}

// Power is the Goertzel power of frequency hz in 48 kHz PCM.
func Power(pcm []int16, hz float64) float64 {
	c := 2 * math.Cos(2*math.Pi*hz/48000)
	var s1, s2 float64
	for _, v := range pcm {
		s0 := float64(v) + c*s1 - s2
		s2, s1 = s1, s0
	}
	return s1*s1 + s2*s2 - c*s1*s2
}

// RMS is the root mean square of pcm in dBFS (−inf for silence).
func RMS(pcm []int16) float64 {
	var sum float64
	for _, v := range pcm {
		sum += float64(v) * float64(v)
	}
	if len(pcm) == 0 || sum == 0 {
		return math.Inf(-1)
	}
	return 20 * math.Log10(math.Sqrt(sum/float64(len(pcm)))/32768)
}
