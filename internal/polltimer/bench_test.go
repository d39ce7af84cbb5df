//go:build unix

package polltimer

import (
	"syscall"
	"testing"
	"time"
)

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkTick50Hz is the process CPU of one tick of a 50 Hz ticker with
// no work on it, against the runtime's time.Ticker (cpu-µs/op; each op
// waits 20 ms of wall time).
func BenchmarkTick50Hz(b *testing.B) {
	const period = 20 * time.Millisecond
	b.Run("polltimer", func(b *testing.B) {
		tk := newTicker(b)
		if err := tk.Start(time.Now().Add(period), period); err != nil {
			b.Fatal(err)
		}
		c0 := processCPU()
		for b.Loop() {
			if err := tk.Wait(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(processCPU()-c0)/float64(b.N)/1e3, "cpu-µs/op")
	})
	b.Run("time.Ticker", func(b *testing.B) {
		tk := time.NewTicker(period)
		defer tk.Stop()
		c0 := processCPU()
		for b.Loop() {
			<-tk.C
		}
		b.ReportMetric(float64(processCPU()-c0)/float64(b.N)/1e3, "cpu-µs/op")
	})
}
