package tgcalls

import (
	"sort"
	"testing"
	"time"

	"github.com/tgphone/tgphone/internal/schedstat"
	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/media/tgcalls/internal/calltest"
	"github.com/tgphone/tgphone/media/tgcalls/internal/toneaudio"
)

// BenchmarkCallLoopback runs tgphone↔tgphone calls on loopback with 20 ms
// frames and reports: mouth-to-ear transport delay (frame + network, median
// and p95; the playout jitter buffer belongs to the audio engine and comes on
// top), start → first audio heard, and CPU per call (both ends, as % of one core).
func BenchmarkCallLoopback(b *testing.B) {
	var m2e, p95, first, cpu []float64
	for b.Loop() {
		began := time.Now()
		caller, callee := startCall(b, callOpts{p2p: true}, [2]float64{440, 660})
		calltest.WaitPackets(b, callee, 1)
		first = append(first, float64(time.Since(began))/float64(time.Millisecond))
		calltest.WaitState(b, caller, media.StateConnected)
		c0, w0 := schedstat.ProcessCPU(), time.Now()
		calltest.WaitPackets(b, callee, 150)
		cpu = append(cpu, 100*float64(schedstat.ProcessCPU()-c0)/float64(time.Since(w0)))
		d := toneaudio.Delays(caller.Audio, callee.Audio)
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		if len(d) > 0 {
			m2e = append(m2e, float64(d[len(d)/2])/float64(time.Millisecond))
			p95 = append(p95, float64(d[len(d)*95/100])/float64(time.Millisecond))
		}
		_ = caller.Eng.Close()
		_ = callee.Eng.Close()
	}
	b.ReportMetric(mean(m2e), "ms-mouth-to-ear-p50")
	b.ReportMetric(mean(p95), "ms-mouth-to-ear-p95")
	b.ReportMetric(mean(first), "ms-start-to-first-audio")
	b.ReportMetric(mean(cpu), "%cpu-per-call")
}

func mean(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	t := 0.0
	for _, x := range v {
		t += x
	}
	return t / float64(len(v))
}
