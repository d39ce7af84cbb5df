// Package stoi computes the Short-Time Objective Intelligibility measure of
// Taal, Hendriks, Heusdens and Jensen, "An Algorithm for Intelligibility
// Prediction of Time–Frequency Weighted Noisy Speech", IEEE TASLP 19(7),
// 2011: the mean correlation of clean and degraded one-third-octave-band
// envelopes over 384 ms segments.
//
// It follows the published algorithm step for step as its reference
// implementations (Taal's MATLAB stoi.m, pystoi) do: resampling to 10 kHz,
// removal of frames more than 40 dB below the clean signal's loudest (judged
// on the clean signal, applied to both), a 256-sample Hann-windowed STFT with
// 50 % overlap and a 512-point FFT, 15 one-third-octave bands from 150 Hz,
// segments of 30 frames, degraded envelopes scaled to the clean energy and
// clipped at β = −15 dB signal-to-distortion, and the correlation coefficient
// averaged over bands and segments. Only the resampling filter differs from
// pystoi's (a Hann-windowed sinc here, MATLAB's resample there); at 10 kHz
// input the two agree.
//
//	d := stoi.Compute(clean, degraded, 48000) // 1.0: identical; ~0: unrelated
package stoi

import (
	"math"
	"math/cmplx"
)

// The published algorithm's constants.
const (
	Rate     = 10000 // the analysis sample rate
	frameLen = 256   // samples per frame (25.6 ms)
	nfft     = 512
	hop      = frameLen / 2
	numBands = 15
	minFreq  = 150.0 // centre of the lowest one-third octave band, Hz
	segLen   = 30    // frames per segment: 384 ms
	beta     = -15.0 // lower signal-to-distortion bound, dB
	dynRange = 40.0  // frames this far below the loudest clean frame are silent
)

const eps = 2.220446049250313e-16 // float64 machine epsilon, as pystoi

// Compute returns the STOI of degraded against clean, both sampled at rate
// Hz and time-aligned (the measure assumes it). The longer one is cut to the
// shorter. A signal too short for one 384 ms segment after silent-frame
// removal scores 1e-5, as pystoi does.
func Compute(clean, degraded []int16, rate int) float64 {
	n := min(len(clean), len(degraded))
	return ComputeFloat(toFloat(clean[:n]), toFloat(degraded[:n]), rate)
}

// ComputeFloat is Compute on float samples.
func ComputeFloat(clean, degraded []float64, rate int) float64 {
	n := min(len(clean), len(degraded))
	x := Resample(clean[:n], rate)
	y := Resample(degraded[:n], rate)
	x, y = removeSilentFrames(x, y)
	xb := bandEnvelopes(x)
	yb := bandEnvelopes(y)
	frames := len(xb)
	if frames < segLen {
		return 1e-5
	}
	clip := math.Pow(10, -beta/20)
	var sum float64
	var count int
	xs := make([]float64, segLen)
	ys := make([]float64, segLen)
	for m := segLen; m <= frames; m++ {
		for b := range numBands {
			var nx, ny float64
			for k := range segLen {
				xs[k] = xb[m-segLen+k][b]
				ys[k] = yb[m-segLen+k][b]
				nx += xs[k] * xs[k]
				ny += ys[k] * ys[k]
			}
			g := math.Sqrt(nx) / (math.Sqrt(ny) + eps)
			for k := range segLen {
				ys[k] = min(ys[k]*g, xs[k]*(1+clip))
			}
			sum += corr(xs, ys)
			count++
		}
	}
	return sum / float64(count)
}

// corr is the sample correlation coefficient, with pystoi's epsilons.
func corr(x, y []float64) float64 {
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= float64(len(x))
	my /= float64(len(y))
	var sxy, sxx, syy float64
	for i := range x {
		a, b := x[i]-mx, y[i]-my
		sxy += a * b
		sxx += a * a
		syy += b * b
	}
	return sxy / ((math.Sqrt(sxx) + eps) * (math.Sqrt(syy) + eps))
}

func toFloat(p []int16) []float64 {
	out := make([]float64, len(p))
	for i, v := range p {
		out[i] = float64(v) / 32768
	}
	return out
}

// hann is MATLAB's hanning(frameLen): a Hann window without its zero ends.
var hann = func() []float64 {
	w := make([]float64, frameLen)
	for i := range w {
		w[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i+1)/float64(frameLen+1))
	}
	return w
}()

// frameStarts lists the frame offsets of an n-sample signal, as
// range(0, n-frameLen, hop) in pystoi (the last full frame is left out).
func frameStarts(n int) []int {
	var s []int
	for i := 0; i < n-frameLen; i += hop {
		s = append(s, i)
	}
	return s
}

// removeSilentFrames drops the windowed frames whose clean energy lies more
// than dynRange below the loudest clean frame, from both signals, and
// overlap-adds what remains.
func removeSilentFrames(x, y []float64) ([]float64, []float64) {
	starts := frameStarts(len(x))
	if len(starts) == 0 {
		return nil, nil
	}
	energy := make([]float64, len(starts))
	maxE := math.Inf(-1)
	for f, s := range starts {
		var e float64
		for i, w := range hann {
			v := w * x[s+i]
			e += v * v
		}
		energy[f] = 20 * math.Log10(math.Sqrt(e)+eps)
		maxE = max(maxE, energy[f])
	}
	var keep []int
	for f, s := range starts {
		if energy[f] > maxE-dynRange {
			keep = append(keep, s)
		}
	}
	if len(keep) == 0 {
		return nil, nil
	}
	n := (len(keep)-1)*hop + frameLen
	xo, yo := make([]float64, n), make([]float64, n)
	for k, s := range keep {
		for i, w := range hann {
			xo[k*hop+i] += w * x[s+i]
			yo[k*hop+i] += w * y[s+i]
		}
	}
	return xo, yo
}

// bands maps the FFT bins to the one-third octave bands: band b sums bins
// [lo[b], hi[b]), the bins nearest its edges.
var bandLo, bandHi = func() ([numBands]int, [numBands]int) {
	var lo, hi [numBands]int
	nearest := func(hz float64) int {
		best, bi := math.Inf(1), 0
		for k := 0; k <= nfft/2; k++ {
			f := float64(k) * Rate / nfft
			if d := (f - hz) * (f - hz); d < best {
				best, bi = d, k
			}
		}
		return bi
	}
	for b := range numBands {
		lo[b] = nearest(minFreq * math.Pow(2, float64(2*b-1)/6))
		hi[b] = nearest(minFreq * math.Pow(2, float64(2*b+1)/6))
	}
	return lo, hi
}()

// bandEnvelopes returns, per STFT frame, the 15 band amplitudes.
func bandEnvelopes(x []float64) [][numBands]float64 {
	starts := frameStarts(len(x))
	out := make([][numBands]float64, len(starts))
	buf := make([]complex128, nfft)
	for f, s := range starts {
		for i := range buf {
			buf[i] = 0
		}
		for i, w := range hann {
			buf[i] = complex(w*x[s+i], 0)
		}
		fft(buf)
		for b := range numBands {
			var e float64
			for k := bandLo[b]; k < bandHi[b]; k++ {
				a := cmplx.Abs(buf[k])
				e += a * a
			}
			out[f][b] = math.Sqrt(e)
		}
	}
	return out
}

// twiddle holds exp(−2πik/nfft) for k < nfft/2.
var twiddle = func() []complex128 {
	t := make([]complex128, nfft/2)
	for k := range t {
		t[k] = cmplx.Exp(complex(0, -2*math.Pi*float64(k)/nfft))
	}
	return t
}()

// fft is an in-place radix-2 FFT of nfft points.
func fft(a []complex128) {
	n := len(a)
	for i, j := 1, 0; i < n; i++ {
		bit := n >> 1
		for ; j&bit != 0; bit >>= 1 {
			j ^= bit
		}
		j ^= bit
		if i < j {
			a[i], a[j] = a[j], a[i]
		}
	}
	for size := 2; size <= n; size <<= 1 {
		step := nfft / size
		for start := 0; start < n; start += size {
			for k := range size / 2 {
				w := twiddle[k*step]
				u, v := a[start+k], a[start+k+size/2]*w
				a[start+k], a[start+k+size/2] = u+v, u-v
			}
		}
	}
}

// Resample converts x from rate Hz to Rate (10 kHz) with a polyphase
// Hann-windowed sinc low-pass at 95 % of the lower Nyquist frequency.
func Resample(x []float64, rate int) []float64 {
	if rate == Rate {
		return append([]float64(nil), x...)
	}
	g := gcd(rate, Rate)
	up, down := Rate/g, rate/g
	// Filter at the upsampled rate up*rate: cutoff relative to it.
	cut := 0.95 * 0.5 * float64(min(rate, Rate)) / float64(up*rate) // cycles per upsampled sample
	const half = 24                                                 // input samples either side
	taps := 2*half*up + 1
	h := make([]float64, taps)
	for i := range h {
		t := float64(i - half*up)
		s := 2 * cut
		if t != 0 {
			s = math.Sin(2*math.Pi*cut*t) / (math.Pi * t)
		}
		w := 0.5 + 0.5*math.Cos(math.Pi*t/float64(half*up+1))
		h[i] = s * w * float64(up)
	}
	n := len(x) * up / down
	out := make([]float64, n)
	for m := range out {
		pos := m * down // position at the upsampled rate
		c := pos / up   // nearest input sample at or before
		var acc float64
		// Input sample j sits at upsampled position j*up; tap index pos−j*up+half*up.
		for j := c - half; j <= c+half+1; j++ {
			if j < 0 || j >= len(x) {
				continue
			}
			k := pos - j*up + half*up
			if k < 0 || k >= taps {
				continue
			}
			acc += x[j] * h[k]
		}
		out[m] = acc
	}
	return out
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
