package reference

import (
	"math"

	"github.com/tgphone/tgphone/media"
)

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
