package freemem

import (
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
)

// rssKiB is this process's resident memory from /proc/self/status.
func rssKiB(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
}

// TestTrimC frees 64 MiB of the C heap in 4 KiB blocks beneath one still in
// use: free keeps it all resident, TrimC gives most of it back.
func TestTrimC(t *testing.T) {
	runtime.LockOSThread() // one thread, so one malloc arena
	defer runtime.UnlockOSThread()
	const n, size = 16384, 4096
	before := rssKiB(t)
	held := fragment(n, size)
	if held == nil {
		t.Fatal("malloc failed")
	}
	defer unfragment(held)
	freed := rssKiB(t)
	if freed-before < 48<<10 {
		t.Skipf("the C library gave back freed blocks by itself (RSS %d → %d KiB): nothing to trim", before, freed)
	}
	if !TrimC() {
		t.Fatalf("TrimC released nothing (RSS %d KiB before the blocks, %d after freeing them)", before, freed)
	}
	if after := rssKiB(t); freed-after < 48<<10 {
		t.Fatalf("RSS %d KiB with the blocks freed, %d after TrimC: want at least 48 MiB back", freed, after)
	}
}

// TestRelease gives back the Go heap's free pages too. It reads the
// runtime's own figure of free heap pages still resident, since under the
// race detector RSS keeps the freed heap's shadow.
func TestRelease(t *testing.T) {
	b := make([][]byte, 64)
	for i := range b {
		b[i] = make([]byte, 1<<20)
		for j := range b[i] {
			b[i][j] = 1
		}
	}
	runtime.KeepAlive(b)
	b = nil
	runtime.GC() // the 64 MiB are free now, most of them still resident
	s := []metrics.Sample{{Name: "/memory/classes/heap/free:bytes"}}
	metrics.Read(s)
	before := s[0].Value.Uint64()
	Release()
	metrics.Read(s)
	if after := s[0].Value.Uint64(); before < 48<<20 || after > 8<<20 {
		t.Fatalf("free resident Go heap: %d KiB before Release, %d after: want at least 48 MiB before and at most 8 after", before>>10, after>>10)
	}
}
