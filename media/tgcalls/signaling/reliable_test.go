package signaling

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func pair() (caller, callee *Conn) {
	key := testKey(7)
	return NewConn(key, true), NewConn(key, false)
}

func recv(t *testing.T, c *Conn, pkt []byte) []string {
	t.Helper()
	msgs, err := c.Receive(pkt)
	if err != nil {
		t.Fatalf("receive: %v", err)
	}
	var out []string
	for _, m := range msgs {
		out = append(out, string(m))
	}
	return out
}

func send(t *testing.T, c *Conn, msg string, now time.Time) []byte {
	t.Helper()
	pkt, err := c.Send([]byte(msg), now)
	if err != nil {
		t.Fatalf("send %q: %v", msg, err)
	}
	return pkt
}

func TestReliableAckClearsUnacked(t *testing.T) {
	a, b := pair()
	if got := recv(t, b, send(t, a, "m1", t0)); !slices.Equal(got, []string{"m1"}) {
		t.Fatalf("got %q", got)
	}
	if a.Unacked() != 1 {
		t.Fatalf("unacked = %d, want 1", a.Unacked())
	}
	acks, err := b.Poll(t0)
	if err != nil || len(acks) != 1 {
		t.Fatalf("poll = %d packets, %v; want one ack packet", len(acks), err)
	}
	if got := recv(t, a, acks[0]); len(got) != 0 {
		t.Fatalf("ack packet delivered %q", got)
	}
	if a.Unacked() != 0 {
		t.Fatalf("unacked after ack = %d", a.Unacked())
	}
	if pkts, _ := a.Poll(t0.Add(time.Hour)); len(pkts) != 0 {
		t.Fatal("acked message was re-sent")
	}
	if pkts, _ := b.Poll(t0.Add(time.Second)); len(pkts) != 0 {
		t.Fatal("ack sent twice")
	}
}

func TestReliableLossResend(t *testing.T) {
	a, b := pair()
	_ = send(t, a, "lost", t0) // dropped on the way
	if pkts, _ := a.Poll(t0.Add(ResendInterval - time.Millisecond)); len(pkts) != 0 {
		t.Fatal("re-sent before the resend interval")
	}
	if got := a.NextResend(); !got.Equal(t0.Add(ResendInterval)) {
		t.Fatalf("NextResend = %v", got)
	}
	pkts, err := a.Poll(t0.Add(ResendInterval))
	if err != nil || len(pkts) != 1 {
		t.Fatalf("poll = %d, %v", len(pkts), err)
	}
	if got := recv(t, b, pkts[0]); !slices.Equal(got, []string{"lost"}) {
		t.Fatalf("got %q", got)
	}
	// The ack is lost too: the next resend is delivered again as a duplicate,
	// acked again, but not handed up twice.
	_, _ = b.Poll(t0.Add(ResendInterval))
	pkts, _ = a.Poll(t0.Add(2 * ResendInterval))
	if len(pkts) != 1 {
		t.Fatal("no second resend")
	}
	if got := recv(t, b, pkts[0]); len(got) != 0 {
		t.Fatalf("duplicate delivered: %q", got)
	}
	acks, _ := b.Poll(t0.Add(2 * ResendInterval))
	recv(t, a, acks[0])
	if a.Unacked() != 0 {
		t.Fatal("still unacked")
	}
}

func TestReliableReorder(t *testing.T) {
	a, b := pair()
	p1 := send(t, a, "m1", t0)
	p2 := send(t, a, "m2", t0) // m1 unacked: rides along, in order
	p3 := send(t, a, "m3", t0)
	if got := recv(t, b, p3); !slices.Equal(got, []string{"m1", "m2", "m3"}) {
		t.Fatalf("p3 gave %q", got)
	}
	if got := recv(t, b, p1); len(got) != 0 {
		t.Fatalf("late p1 gave %q", got)
	}
	if got := recv(t, b, p2); len(got) != 0 {
		t.Fatalf("late p2 gave %q", got)
	}
	if _, err := b.Receive(p2); !errors.Is(err, ErrReplay) {
		t.Fatalf("replayed packet: err = %v", err)
	}
	acks, _ := b.Poll(t0)
	recv(t, a, acks[0])
	if a.Unacked() != 0 {
		t.Fatalf("unacked = %d after acks of all three", a.Unacked())
	}
}

func TestReliableBothWays(t *testing.T) {
	a, b := pair()
	now := t0
	var gotA, gotB []string
	for i := range 50 {
		now = now.Add(10 * time.Millisecond)
		gotB = append(gotB, recv(t, b, send(t, a, fmt.Sprint("a", i), now))...)
		gotA = append(gotA, recv(t, a, send(t, b, fmt.Sprint("b", i), now))...)
		for _, p := range must(a.Poll(now)) {
			gotB = append(gotB, recv(t, b, p)...)
		}
		for _, p := range must(b.Poll(now)) {
			gotA = append(gotA, recv(t, a, p)...)
		}
	}
	if len(gotA) != 50 || len(gotB) != 50 || gotB[49] != "a49" || gotA[49] != "b49" {
		t.Fatalf("delivered %d/%d", len(gotA), len(gotB))
	}
}

func must(p [][]byte, err error) [][]byte {
	if err != nil {
		panic(err)
	}
	return p
}

func TestReliableMalformed(t *testing.T) {
	key := testKey(7)
	sub := func(seq uint32, rest ...byte) []byte { return append(binary.BigEndian.AppendUint32(nil, seq), rest...) }
	for _, tc := range []struct {
		name  string
		plain []byte
		want  error
		msgs  int
	}{
		{"custom", sub(1, 0x7f, 0, 0, 0, 2, '{', '}'), nil, 1},
		{"empty only", sub(1, 0xfe), nil, 0},
		{"ack of unknown seq", append(sub(1, 0xfe), sub(99, 0xff)...), nil, 0},
		{"unknown type", sub(1, 0x05), ErrMalformed, 0},
		{"truncated length", sub(1, 0x7f, 0, 0), ErrMalformed, 0},
		{"length beyond packet", sub(1, 0x7f, 0, 0, 0, 9, 'x'), ErrMalformed, 0},
		{"huge length", sub(1, 0x7f, 0xff, 0xff, 0xff, 0xff, 'x'), ErrMalformed, 0},
		{"single bit then more", append(sub(1|singleMessageBit, 0x7f, 0, 0, 0, 0), sub(2, 0xfe)...), ErrMalformed, 1},
		{"single bit on second", append(sub(1, 0xfe), sub(2|singleMessageBit, 0xfe)...), ErrMalformed, 0},
		{"short trailer", append(sub(1, 0xfe), 0, 0), ErrMalformed, 0},
		{"trailer without type", append(sub(1, 0xfe), 0, 0, 0, 2), ErrMalformed, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rx := NewConn(key, false)
			msgs, err := rx.Receive(NewCipher(key, true).Seal(tc.plain))
			if !errors.Is(err, tc.want) || len(msgs) != tc.msgs {
				t.Fatalf("got %d msgs, err %v; want %d, %v", len(msgs), err, tc.msgs, tc.want)
			}
		})
	}
}

func TestReliableTooLarge(t *testing.T) {
	a, _ := pair()
	if _, err := a.Send(make([]byte, maxPacketSize), t0); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v", err)
	}
}

func FuzzReceive(f *testing.F) {
	key := testKey(8)
	tx := NewConn(key, true)
	p1, _ := tx.Send([]byte(`{"@type":"Candidates","candidates":[]}`), t0)
	p2, _ := tx.Send([]byte(`{}`), t0)
	f.Add(p1)
	f.Add(p2)
	f.Add([]byte("short"))
	f.Fuzz(func(t *testing.T, pkt []byte) {
		rx := NewConn(key, false)
		_, _ = rx.Receive(pkt)
		_, _ = rx.Poll(t0)
	})
}

// FuzzReceivePlain fuzzes the framing parser behind a valid msg_key, which
// random packets never reach.
func FuzzReceivePlain(f *testing.F) {
	key := testKey(8)
	f.Add([]byte{0, 0, 0, 1, 0x7f, 0, 0, 0, 1, 'x'})
	f.Add([]byte{0x40, 0, 0, 1, 0xfe, 0, 0, 0, 3, 0xff})
	f.Add([]byte{0x80, 0, 0, 1, 0x7f, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, plain []byte) {
		if len(plain) < 5 {
			return
		}
		rx := NewConn(key, false)
		msgs, err := rx.Receive(NewCipher(key, true).Seal(plain))
		total := 0
		for _, m := range msgs {
			total += len(m)
		}
		if total > len(plain) {
			t.Fatalf("delivered %d bytes from %d (err %v)", total, len(plain), err)
		}
	})
}
