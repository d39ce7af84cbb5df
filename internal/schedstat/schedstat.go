// Package schedstat reads how long this process's threads waited for a CPU,
// and how much CPU the process used (ProcessCPU).
//
// The run-queue wait is the time a thread was runnable but not running
// because every CPU was busy: the second field of
// /proc/self/task/*/schedstat, in nanoseconds (Linux with schedstats; 0
// elsewhere). Over a window it says how much the machine's load held the
// process back, which tells a slow or starved measurement from a slow
// program.
package schedstat

import (
	"fmt"
	"os"
	"time"
)

// RunWait sums the run-queue wait of this process's threads so far. Threads
// that ended meanwhile drop out, so a window's difference can read a little
// low. It is 0 where /proc/self/task is not readable.
func RunWait() time.Duration {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return 0
	}
	var sum time.Duration
	for _, t := range tasks {
		b, err := os.ReadFile("/proc/self/task/" + t.Name() + "/schedstat")
		if err != nil {
			continue
		}
		var run, wait int64
		if _, err := fmt.Sscanf(string(b), "%d %d", &run, &wait); err == nil {
			sum += time.Duration(wait)
		}
	}
	return sum
}

// Window measures the run-queue wait over a stretch of wall time.
type Window struct {
	wait0 time.Duration
	t0    time.Time
}

// Start opens a window now.
func Start() Window { return Window{RunWait(), time.Now()} }

// Starved is the run-queue wait since Start per second of wall time since
// Start (summed over threads, so it can exceed 1), and the wall time.
func (w Window) Starved() (perSecond float64, wall time.Duration) {
	wall = time.Since(w.t0)
	if wall <= 0 {
		return 0, wall
	}
	return (RunWait() - w.wait0).Seconds() / wall.Seconds(), wall
}
