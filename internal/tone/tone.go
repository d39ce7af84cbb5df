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

// Envelope is the 10 ms RMS envelope of 48 kHz PCM.
func Envelope(pcm []int16) []float64 {
	var e []float64
	for i := 0; i+480 <= len(pcm); i += 480 {
		var sum float64
		for _, v := range pcm[i : i+480] {
			sum += float64(v) * float64(v)
		}
		e = append(e, math.Sqrt(sum/480))
	}
	return e
}

// Correlation is Pearson's correlation of the common length of a and b.
func Correlation(a, b []float64) float64 {
	n := min(len(a), len(b))
	var ma, mb float64
	for i := range n {
		ma += a[i]
		mb += b[i]
	}
	ma /= float64(n)
	mb /= float64(n)
	var sab, saa, sbb float64
	for i := range n {
		sab += (a[i] - ma) * (b[i] - mb)
		saa += (a[i] - ma) * (a[i] - ma)
		sbb += (b[i] - mb) * (b[i] - mb)
	}
	return sab / math.Sqrt(saa*sbb+1e-12)
}

// LoopMatch is how well got keeps the shape of ref sent in a loop: the mean,
// over got's whole seconds, of each second's best envelope correlation with
// any alignment of the loop. Aligning each second on its own lets a path's
// delay be unknown and change, as a jitter buffer's does.
func LoopMatch(ref, got []int16) float64 {
	const second = 100 // envelope steps
	r, g := Envelope(ref), Envelope(got)
	if len(r) == 0 || len(g) < second {
		return 0
	}
	looped := make([]float64, len(r)+second)
	for i := range looped {
		looped[i] = r[i%len(r)]
	}
	var sum float64
	var n int
	for s := 0; s+second <= len(g); s += second {
		best := -1.0
		for lag := range r {
			best = max(best, Correlation(g[s:s+second], looped[lag:]))
		}
		sum += best
		n++
	}
	return sum / float64(n)
}
