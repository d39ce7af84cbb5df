package calltest

import (
	"math"

	"github.com/tgphone/tgphone/media"
)

// DominantFrequency finds the strongest tone between 100 and 2000 Hz with a
// Goertzel scan, then refines it to 0.1 Hz around the peak. Segments are
// windowed separately and their power summed, so the phase jumps at lost
// packets do not smear the peak. Long segments are cut into 250 ms chunks:
// a longer window's main lobe gets narrower than the 5 Hz coarse step, and
// the scan would miss the tone.
func DominantFrequency(segs [][]int16) float64 {
	const chunk = media.SampleRate / 4
	var chunks [][]int16
	for _, s := range segs {
		for len(s) > chunk {
			chunks = append(chunks, s[:chunk])
			s = s[chunk:]
		}
		chunks = append(chunks, s)
	}
	// Each chunk windowed once (Hann): the scan below evaluates ~600
	// frequencies, and a cosine per sample for each made this take minutes
	// under -race on a busy machine.
	var windowed [][]float64
	for _, pcm := range chunks {
		n := len(pcm)
		if n < media.SampleRate/20 {
			continue // shorter than 50 ms: too coarse to help
		}
		x := make([]float64, n)
		for i, v := range pcm {
			x[i] = float64(v) * (0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n-1)))
		}
		windowed = append(windowed, x)
	}
	power := func(f float64) float64 {
		w := 2 * math.Pi * f / media.SampleRate
		c := 2 * math.Cos(w)
		total := 0.0
		for _, x := range windowed {
			var s1, s2 float64
			for _, v := range x {
				s := v + c*s1 - s2
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
