package calling_test

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/calling"
	"github.com/tgphone/tgphone/sandbox/sandboxtest"
)

// TestSoak places consecutive calls through the sandbox — answered on
// each engine, declined, given up while ringing, busy — and checks that
// nothing leaks (goroutines, file descriptors, heap, resident memory) and that every call
// leaves the right history entry. CI runs 10 calls; `make soak` runs
// TGPHONE_SOAK_CALLS=100.
func TestSoak(t *testing.T) {
	n := 10
	if s := os.Getenv("TGPHONE_SOAK_CALLS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			t.Fatalf("TGPHONE_SOAK_CALLS=%q: %v", s, err)
		}
	}
	env := sandboxtest.Start(t, sandboxtest.Options{})
	alice := newParty(t, env, "alice", "")
	bob := newParty(t, env, "bob", "")          // speaks every version: calls run on V2
	carol := newParty(t, env, "carol", "2.4.4") // the legacy engine
	peers := map[string]account.Contact{"@bob": alice.contact(t, "@bob"), "@carol": alice.contact(t, "@carol"),
		"@busy": alice.contact(t, "@busy")}

	type kind struct {
		to, reason string
		callee     *party
		answer     func(*calling.Call)
	}
	kinds := []kind{
		{to: "@bob", reason: "hangup", callee: bob, answer: (*calling.Call).Answer},
		{to: "@carol", reason: "hangup", callee: carol, answer: (*calling.Call).Answer},
		{to: "@bob", reason: "busy", callee: bob, answer: (*calling.Call).Decline},
		{to: "@carol", reason: "missed", callee: carol},
		{to: "@busy", reason: "busy"},
	}
	call := func(i int) {
		k := kinds[i%len(kinds)]
		out, err := alice.m.Dial(peers[k.to])
		if err != nil {
			t.Fatalf("call %d to %s: %v", i, k.to, err)
		}
		if k.callee != nil {
			in := k.callee.waitIncoming(t)
			switch {
			case k.answer != nil:
				waitState(t, out, "ringing", func(s calling.Snapshot) bool { return s.State >= calling.StateRinging })
				k.answer(in)
				if k.reason == "hangup" {
					waitState(t, out, "active", func(s calling.Snapshot) bool { return s.State == calling.StateActive })
					time.Sleep(300 * time.Millisecond)
					out.Hangup()
				}
			default: // the caller gives up while it rings
				waitState(t, out, "ringing", func(s calling.Snapshot) bool { return s.State == calling.StateRinging })
				out.Hangup()
			}
			waitDone(t, in)
		}
		waitDone(t, out)
		id := out.Snapshot().ID
		h, err := alice.c.CallHistory(ctx(t), 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(h) != 1 || h[0].CallID != id || h[0].Reason != k.reason {
			t.Fatalf("call %d to %s: history %+v, want call %d with reason %s", i, k.to, h, id, k.reason)
		}
	}

	for i := range len(kinds) { // warm up every path once
		call(i)
	}
	before := settle(t, usage{})
	for i := range n {
		call(i)
	}
	after := settle(t, before)
	t.Logf("%d calls: goroutines %d → %d, fds %d → %d, heap in use %.1f → %.1f MiB, RSS %.1f → %.1f MiB", n,
		before.goroutines, after.goroutines, before.fds, after.fds, mib(before.heap), mib(after.heap), mib(before.rss), mib(after.rss))
	if after.goroutines > before.goroutines+5 || after.fds > before.fds+5 {
		t.Errorf("after %d calls: goroutines %d → %d, file descriptors %d → %d", n, before.goroutines, after.goroutines, before.fds, after.fds)
	}
	if after.heap > before.heap+5<<20 {
		t.Errorf("after %d calls the heap grew by %.1f MiB, want < 5", n, mib(after.heap-before.heap))
	}
	if !raceDetector && after.rss > before.rss+5<<20 {
		t.Errorf("after %d calls the resident set grew by %.1f MiB, want < 5", n, mib(after.rss-before.rss))
	}
}

type usage struct {
	goroutines, fds int
	heap, rss       uint64
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// settle waits for finished calls' goroutines and descriptors to go (down
// to near base, when base is given), hands freed memory back to the system
// and reports what the process uses.
func settle(t *testing.T, base usage) usage {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		runtime.GC()
		ents, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Fatal(err)
		}
		u := usage{goroutines: runtime.NumGoroutine(), fds: len(ents)}
		if base.goroutines == 0 || (u.goroutines <= base.goroutines+5 && u.fds <= base.fds+5) || time.Now().After(deadline) {
			debug.FreeOSMemory()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			u.heap = ms.HeapInuse
			u.rss = residentSet(t)
			return u
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// residentSet reads the process's resident memory from /proc.
func residentSet(t *testing.T) uint64 {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("VmRSS %q: %v", v, err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
}
