package sigsctp

import (
	"fmt"
	"math/rand"
	"slices"
	"testing"
	"time"

	"github.com/tgphone/tgphone/media/tgcalls/signaling"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func testKey(seed byte) [signaling.KeySize]byte {
	var k [signaling.KeySize]byte
	for i := range k {
		k[i] = byte(i)*5 + seed
	}
	return k
}

// link carries packets one way, losing and reordering them.
type link struct {
	rng     *rand.Rand
	loss    float64
	reorder bool
	queue   [][]byte
	sent    int
	lost    int
}

func (l *link) put(pkts [][]byte) {
	for _, p := range pkts {
		l.sent++
		if l.rng.Float64() < l.loss {
			l.lost++
			continue
		}
		l.queue = append(l.queue, p)
	}
}

// take returns what arrives now: with reordering, a random part of the
// queue in random order (the rest arrives later).
func (l *link) take() [][]byte {
	if !l.reorder {
		q := l.queue
		l.queue = nil
		return q
	}
	l.rng.Shuffle(len(l.queue), func(i, j int) { l.queue[i], l.queue[j] = l.queue[j], l.queue[i] })
	n := len(l.queue)
	if n > 1 {
		n = 1 + l.rng.Intn(n)
	}
	q := l.queue[:n]
	l.queue = slices.Clone(l.queue[n:])
	return q
}

type peer struct {
	name    string
	tr      signaling.Transport
	got     []string
	out     *link
	dropped int
}

// run pumps packets between a and b until each has received want messages
// or the (generous, wall-clock) limit passes; pion's timers run on the wall
// clock, so resends after loss take their real time.
func run(t *testing.T, a, b *peer, want int, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for len(a.got) < want || len(b.got) < want {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s got %d, %s got %d of %d messages", limit, a.name, len(a.got), b.name, len(b.got), want)
		}
		exchange(t, a, b, t0)
	}
}

// exchange is one round between a and b at now: each polls its transport
// and puts what it sends on its link, each receives what the other's link
// delivers, and when nothing moved it waits up to 5 ms for either to wake.
func exchange(t *testing.T, a, b *peer, now time.Time) {
	t.Helper()
	moved := false
	for _, p := range []*peer{a, b} {
		pkts, err := p.tr.Poll(now)
		if err != nil {
			t.Fatalf("%s poll: %v", p.name, err)
		}
		moved = moved || len(pkts) > 0
		p.out.put(pkts)
	}
	for _, pr := range [][2]*peer{{a, b}, {b, a}} {
		from, to := pr[0], pr[1]
		for _, pkt := range from.out.take() {
			moved = true
			msgs, err := to.tr.Receive(pkt, now)
			if err != nil {
				// Logged and dropped, as the engine does (a packet of
				// the framing the peer did not choose).
				to.dropped++
			}
			to.add(msgs)
		}
		msgs, _ := to.tr.Receive(nil, now)
		to.add(msgs)
	}
	if !moved {
		select {
		case <-a.tr.Wake():
		case <-b.tr.Wake():
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func (p *peer) add(msgs [][]byte) {
	for _, m := range msgs {
		p.got = append(p.got, string(m))
	}
}

// msgsOf makes n distinct messages; every fifth is ~6 KB of incompressible
// text, so that its gzip body spans several DATA chunks (pion and dcSCTP both
// fragment at 1191-byte packets).
func msgsOf(name string, from, n int) []string {
	var out []string
	for i := from; i < from+n; i++ {
		pad := ""
		if i%5 == 4 {
			rng := rand.New(rand.NewSource(int64(i)))
			b := make([]byte, 3000)
			rng.Read(b)
			pad = fmt.Sprintf("%x", b)
		}
		out = append(out, fmt.Sprintf(`{"@type":"Candidates","from":%q,"n":%d,"pad":%q}`, name, i, pad))
	}
	return out
}

func sendAll(t *testing.T, p *peer, msgs []string) {
	t.Helper()
	for _, m := range msgs {
		pkts, err := p.tr.Send([]byte(m), t0)
		if err != nil {
			t.Fatalf("%s send: %v", p.name, err)
		}
		p.out.put(pkts)
	}
}

// TestPipe runs two of our SCTP transports against each other, both opening
// at once, through in-memory links that lose and reorder packets, and checks
// every message arrives once and in order.
func TestPipe(t *testing.T) {
	for _, tc := range []struct {
		name    string
		loss    float64
		reorder bool
	}{
		{"clean", 0, false},
		{"reorder", 0, true},
		{"loss-15%+reorder", 0.15, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := testKey(1)
			rng := rand.New(rand.NewSource(42))
			a := &peer{name: "caller", tr: New(key, true, Config{}), out: &link{rng: rng, loss: tc.loss, reorder: tc.reorder}}
			b := &peer{name: "callee", tr: New(key, false, Config{}), out: &link{rng: rng, loss: tc.loss, reorder: tc.reorder}}
			defer a.tr.Close()
			defer b.tr.Close()
			const early, late = 3, 20
			sendAll(t, a, msgsOf("caller", 0, early)) // before the association is up
			sendAll(t, b, msgsOf("callee", 0, early))
			run(t, a, b, early, 60*time.Second)
			sendAll(t, a, msgsOf("caller", early, late))
			sendAll(t, b, msgsOf("callee", early, late))
			run(t, a, b, early+late, 60*time.Second)
			if want := msgsOf("caller", 0, early+late); !slices.Equal(b.got, want) {
				t.Fatalf("callee got %q\nwant %q", b.got, want)
			}
			if want := msgsOf("callee", 0, early+late); !slices.Equal(a.got, want) {
				t.Fatalf("caller got %q\nwant %q", a.got, want)
			}
			t.Logf("packets caller→callee %d (lost %d), callee→caller %d (lost %d)", a.out.sent, a.out.lost, b.out.sent, b.out.lost)
		})
	}
}
