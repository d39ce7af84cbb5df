package audio

import (
	"testing"

	"github.com/tgphone/tgphone/internal/schedstat"
)

// reportCPU starts counting CPU time; the returned func reports it per op.
// On a machine shared with other work, wall time per op measures the wait
// for a core as much as the code, CPU time only the code.
func reportCPU(b *testing.B) func() {
	c0 := schedstat.ProcessCPU()
	return func() {
		b.ReportMetric(float64(schedstat.ProcessCPU()-c0)/float64(b.N)/1e3, "cpu-µs/op")
	}
}
