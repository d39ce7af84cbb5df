package audio

import (
	"syscall"
	"testing"
	"time"
)

// processCPU is the user and system CPU time the test process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU starts counting CPU time; the returned func reports it per op.
// On a machine shared with other work, wall time per op measures the wait
// for a core as much as the code, CPU time only the code.
func reportCPU(b *testing.B) func() {
	c0 := processCPU()
	return func() {
		b.ReportMetric(float64(processCPU()-c0)/float64(b.N)/1e3, "cpu-µs/op")
	}
}
