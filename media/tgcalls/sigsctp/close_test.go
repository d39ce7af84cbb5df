package sigsctp

import (
	"errors"
	"math/rand"
	"runtime"
	"testing"
	"time"

	"github.com/tgphone/tgphone/media/tgcalls/signaling"
)

// TestCloseEndsGoroutines closes transports in each state (never answered,
// established, Auto undecided and decided) and checks that no goroutine of
// theirs (or pion's) is left and that later calls fail with ErrClosed.
func TestCloseEndsGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	key := testKey(8)
	for i := 0; i < 3; i++ {
		lone := New(key, true, Config{})
		a, b := New(key, true, Config{}), New(key, false, Config{})
		rng := rand.New(rand.NewSource(int64(i)))
		pa, pb := &peer{name: "a", tr: a, out: &link{rng: rng}}, &peer{name: "b", tr: b, out: &link{rng: rng}}
		sendAll(t, pa, msgsOf("a", 0, 1))
		sendAll(t, pb, msgsOf("b", 0, 1))
		run(t, pa, pb, 1, 30*time.Second)
		undecided := NewAuto(key, true, Config{})
		decided := NewAuto(key, true, Config{})
		rel, _ := signaling.NewConn(key, false).Send([]byte(`{}`), t0)
		if _, err := decided.Receive(rel, t0); err != nil || decided.Mapping() != signaling.MappingReliable {
			t.Fatalf("decide: %v %v", err, decided.Mapping())
		}
		for _, tr := range []signaling.Transport{lone, a, b, undecided, decided} {
			if err := tr.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := tr.Send([]byte(`{}`), t0); !errors.Is(err, signaling.ErrClosed) {
				t.Fatalf("%T send after close: %v", tr, err)
			}
			if _, err := tr.Receive(nil, t0); !errors.Is(err, signaling.ErrClosed) {
				t.Fatalf("%T receive after close: %v", tr, err)
			}
			if err := tr.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
	// pion's timer goroutines return on their own shortly after Close.
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines left (before: %d)\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}
