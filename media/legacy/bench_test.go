package legacy

import (
	"context"
	"sort"
	"syscall"
	"testing"
	"time"
)

// BenchmarkCallLoopback runs a 3 s call engine-to-engine through the sandbox
// reflector and reports the capture→jitter-buffer delay (60 ms packetization
// plus transport; the audio engine's jitter buffer and device latency come on
// top) and CPU used by both engines, the relay and the fake audio's Opus
// encoding, halved per call side.
func BenchmarkCallLoopback(b *testing.B) {
	for b.Loop() {
		ctx, cancel := context.WithCancel(context.Background())
		r := newRelay(b, ctx)
		var ru0 syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
		start := time.Now()
		a, bb := startCall(b, ctx, callCfg{relay: r})
		for a.audio.received() < 50 || bb.audio.received() < 50 {
			time.Sleep(20 * time.Millisecond)
		}
		wall := time.Since(start)
		var ru1 syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
		a.eng.Close()
		bb.eng.Close()
		cancel()
		r.Stop()
		cpu := time.Duration(ru1.Utime.Nano()+ru1.Stime.Nano()-ru0.Utime.Nano()-ru0.Stime.Nano()) * time.Nanosecond
		a.eng.mu.Lock()
		ts0 := a.eng.ts0 // the engine's pts counts from its first packet sent
		a.eng.mu.Unlock()
		var d []time.Duration
		a.audio.mu.Lock()
		bb.audio.mu.Lock()
		for ts, at := range bb.audio.arrivals {
			if sent, ok := a.audio.sentAt[ts+ts0]; ok {
				d = append(d, at.Sub(sent)+60*time.Millisecond)
			}
		}
		bb.audio.mu.Unlock()
		a.audio.mu.Unlock()
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		if len(d) > 0 {
			b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "capture-to-jb-ms-p50")
			b.ReportMetric(float64(d[len(d)*95/100].Microseconds())/1000, "capture-to-jb-ms-p95")
		}
		// The callee starts its engine on accept; the caller hears it first.
		b.ReportMetric(float64((<-a.firstAudio).Sub(bb.started).Milliseconds()), "callee-start-to-caller-first-audio-ms")
		b.ReportMetric(100*cpu.Seconds()/wall.Seconds()/2, "cpu-%-per-call-side")
	}
}
