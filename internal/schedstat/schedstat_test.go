package schedstat

import (
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
)

// More spinning threads than CPUs must wait for one: the window shows it.
func TestRunWaitSeesContention(t *testing.T) {
	if _, err := os.Stat("/proc/self/task/" + strconv.Itoa(os.Getpid()) + "/schedstat"); err != nil {
		t.Skip("no schedstat here:", err)
	}
	n := 2*runtime.NumCPU() + 1
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(n)) // n threads running Go at once
	w := Start()
	var wg sync.WaitGroup
	stop := time.Now().Add(300 * time.Millisecond)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
			}
		}()
	}
	wg.Wait()
	per, wall := w.Starved()
	t.Logf("%d spinning threads on %d CPUs: run-queue wait %.2f s/s over %v", n, runtime.NumCPU(), per, wall)
	if per < 1 { // at least n-NumCPU threads wait at any moment: ~3 s/s on 2 CPUs
		t.Errorf("run-queue wait %.3f s/s with %d threads spinning on %d CPUs, want over 1", per, n, runtime.NumCPU())
	}
}
