package audio

import "math"

// Time-scale modification for the jitter buffer, as WebRTC NetEq's
// accelerate and preemptive expand do it (WSOLA on one pitch period): find
// the pitch period T where the signal repeats, then remove one period
// (accelerate: the buffer plays T samples sooner) or insert one (expand),
// cross-fading over the period so the waveform stays continuous. Speech
// keeps its pitch and sounds only a little faster or slower, unlike
// dropping or repeating whole 20 ms frames.
const (
	tsMinPeriod = 48 * 25 / 10 // 2.5 ms: 400 Hz, the highest pitch searched
	tsMaxPeriod = 48 * 15      // 15 ms: 67 Hz, the lowest
	tsCorrLen   = 48 * 10      // correlation window, 10 ms
	tsDecim     = 6            // the coarse search runs at 8 kHz
	// tsNeed is what a stretch needs decoded: two periods and a window.
	tsNeed = 2*tsMaxPeriod + tsCorrLen
	// tsMinCorr is the normalised correlation under which a voiced segment
	// is left alone (NetEq uses 0.9 for accelerate; speech through Opus at
	// 60 ms with concealment rarely gets there, and 0.7 still cross-fades
	// cleanly between two similar periods).
	tsMinCorr = 0.7
)

// pitchPeriod returns the period T in [tsMinPeriod, tsMaxPeriod] where x
// (at least tsNeed samples) best repeats, and the normalised correlation of
// x[:tsCorrLen] with x[T:T+tsCorrLen]. A coarse search at 8 kHz is refined
// at 48 kHz.
func pitchPeriod(x []int16, dec *[tsNeed / tsDecim]float64) (int, float64) {
	d := dec[:]
	for i := range d {
		var s float64
		for _, v := range x[i*tsDecim : (i+1)*tsDecim] {
			s += float64(v)
		}
		d[i] = s
	}
	const l = tsCorrLen / tsDecim
	var cs [tsMaxPeriod/tsDecim + 1]float64
	bestC := math.Inf(-1)
	for t := tsMinPeriod / tsDecim; t <= tsMaxPeriod/tsDecim; t++ {
		cs[t] = ncorr8(d[:l], d[t:t+l])
		bestC = max(bestC, cs[t])
	}
	// The shortest lag that correlates nearly as well as the best: the
	// fundamental rather than one of its multiples.
	best := tsMinPeriod / tsDecim
	for t := tsMinPeriod / tsDecim; t <= tsMaxPeriod/tsDecim; t++ {
		if cs[t] >= bestC-0.03 && (t == tsMaxPeriod/tsDecim || cs[t] >= cs[t+1]) {
			best = t
			break
		}
	}
	lo := max(tsMinPeriod, best*tsDecim-tsDecim)
	hi := min(tsMaxPeriod, best*tsDecim+tsDecim)
	bt, bc := lo, math.Inf(-1)
	for t := lo; t <= hi; t++ {
		if c := ncorr16(x[:tsCorrLen], x[t:t+tsCorrLen]); c > bc {
			bt, bc = t, c
		}
	}
	return bt, bc
}

func ncorr8(a, b []float64) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += a[i] * b[i]
		aa += a[i] * a[i]
		bb += b[i] * b[i]
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}

func ncorr16(a, b []int16) float64 {
	var ab, aa, bb int64
	for i := range a {
		x, y := int64(a[i]), int64(b[i])
		ab += x * y
		aa += x * x
		bb += y * y
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return float64(ab) / math.Sqrt(float64(aa)*float64(bb))
}

// accelerate removes one pitch period t from the start of x in place:
// x[:t] becomes the cross-fade of x[:t] into x[t:2t], and x[2t:] follows.
// It returns the shortened slice.
func accelerate(x []int16, t int) []int16 {
	for i := range t {
		w := float64(i+1) / float64(t+1)
		x[i] = int16(math.Round(float64(x[i])*(1-w) + float64(x[t+i])*w))
	}
	return append(x[:t], x[2*t:]...)
}

// expand inserts one pitch period t after the first 2t samples of x:
// x[:2t], then the cross-fade of x[t:2t] into x[:t], then x[t:]. The
// result is written to dst (reused) and returned.
func expand(dst, x []int16, t int) []int16 {
	dst = append(dst[:0], x[:2*t]...)
	for i := range t {
		w := float64(i+1) / float64(t+1)
		dst[t+i] = int16(math.Round(float64(x[t+i])*(1-w) + float64(x[i])*w))
	}
	return append(dst, x[t:]...)
}
