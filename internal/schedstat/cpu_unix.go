//go:build unix

package schedstat

import (
	"syscall"
	"time"
)

// ProcessCPU is the user and system CPU time this process has used so far
// (getrusage), 0 if it cannot be read. Benchmarks report a window's
// difference as CPU per operation: on a shared machine that moves much less
// with the load than wall time does.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
