package calling_test

import (
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/calling"
	"github.com/tgphone/tgphone/sandbox/sandboxtest"
)

// TestSoak places consecutive calls through the sandbox — answered on
// each engine, declined, given up while ringing, busy — and checks that
// nothing leaks (goroutines, file descriptors, heap) and that every call
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
			<-in.Done()
		}
		<-out.Done()
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
	goroutines, fds, heap := settle(t, 0, 0)
	for i := range n {
		call(i)
	}
	g2, f2, h2 := settle(t, goroutines, fds)
	t.Logf("%d calls: goroutines %d → %d, fds %d → %d, heap in use %.1f → %.1f MiB", n, goroutines, g2, fds, f2,
		float64(heap)/(1<<20), float64(h2)/(1<<20))
	if g2 > goroutines+5 || f2 > fds+5 {
		t.Errorf("after %d calls: goroutines %d → %d, file descriptors %d → %d", n, goroutines, g2, fds, f2)
	}
	if h2 > heap+5<<20 {
		t.Errorf("after %d calls the heap grew by %.1f MiB, want < 5", n, float64(h2-heap)/(1<<20))
	}
}

// settle waits for finished calls' goroutines to exit (down to wantG, when
// given), then reports goroutines, open file descriptors and heap in use.
func settle(t *testing.T, wantG, wantFD int) (int, int, uint64) {
	deadline := time.Now().Add(15 * time.Second)
	for {
		runtime.GC()
		g := runtime.NumGoroutine()
		ents, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Fatal(err)
		}
		if wantG == 0 || (g <= wantG+5 && len(ents) <= wantFD+5) || time.Now().After(deadline) {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			return g, len(ents), ms.HeapInuse
		}
		time.Sleep(200 * time.Millisecond)
	}
}
