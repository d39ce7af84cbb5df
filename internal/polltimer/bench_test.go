//go:build unix

package polltimer

import (
	"testing"
	"time"

	"github.com/tgphone/tgphone/internal/schedstat"
)

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
		c0 := schedstat.ProcessCPU()
		for b.Loop() {
			if err := tk.Wait(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(schedstat.ProcessCPU()-c0)/float64(b.N)/1e3, "cpu-µs/op")
	})
	b.Run("time.Ticker", func(b *testing.B) {
		tk := time.NewTicker(period)
		defer tk.Stop()
		c0 := schedstat.ProcessCPU()
		for b.Loop() {
			<-tk.C
		}
		b.ReportMetric(float64(schedstat.ProcessCPU()-c0)/float64(b.N)/1e3, "cpu-µs/op")
	})
}
