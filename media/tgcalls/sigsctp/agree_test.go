package sigsctp

import (
	"fmt"
	"math/rand"
	"slices"
	"testing"
	"time"

	"github.com/tgphone/tgphone/media/tgcalls/signaling"
)

// fate is what happens to one side's first packets (its SCTP INIT and the
// reliable packets of its first two messages) on the way to the other side.
type fate int

const (
	asSent       fate = iota // all arrive, the INIT first
	initLost                 // the INIT never arrives (pion resends it after 1 s)
	initLate                 // the reliable packets arrive before the INIT
	reliableLost             // only the INIT arrives (the reliable framing resends after 3 s)
)

// firstFlight applies f to the packets a side sent first.
func firstFlight(f fate, pkts [][]byte) [][]byte {
	var sctpPkts, rel [][]byte
	for _, p := range pkts {
		if signaling.IsSCTP(p) {
			sctpPkts = append(sctpPkts, p)
		} else {
			rel = append(rel, p)
		}
	}
	switch f {
	case initLost:
		return rel
	case initLate:
		return append(rel, sctpPkts...)
	case reliableLost:
		return sctpPkts
	}
	return pkts
}

// TestAutoAutoAgree runs two Autos (two tgphones on 9.0.0) against each
// other with their first packets lost or reordered as the table says, then
// over links that deliver everything (or lose and reorder, seeded). Both must
// end on the same framing, SCTP (the framing two tgphones settle on), and
// each must hear every message of the other exactly once and in order; the
// reliable framing's clock is a fake one that advances 50 ms a round.
//
// The first rows are the split the sandbox showed (1 run in 3 of
// TestE2EPeerKilled/9.0.0): one side's INIT is lost or late, so that side's
// peer hears a reliable packet first while it hears the peer's INIT first.
func TestAutoAutoAgree(t *testing.T) {
	key := testKey(9)
	for _, tc := range []struct {
		name           string
		caller, callee fate
		loss           float64 // after the first packets, each way
		reorder        bool
	}{
		{"caller INIT lost", initLost, asSent, 0, false},
		{"callee INIT lost", asSent, initLost, 0, false},
		{"caller INIT late", initLate, asSent, 0, false},
		{"callee INIT late", asSent, initLate, 0, false},
		{"caller INIT lost, callee reliable lost", initLost, reliableLost, 0, false},
		{"both INITs late", initLate, initLate, 0, false},
		{"both INITs lost", initLost, initLost, 0, false},
		{"both reliable lost", reliableLost, reliableLost, 0, false},
		{"in order", asSent, asSent, 0, false},
		{"caller INIT lost, then 15% loss and reordering", initLost, asSent, 0.15, true},
		{"callee INIT late, then 15% loss and reordering", asSent, initLate, 0.15, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(5))
			caller := NewAuto(key, true, Config{})
			callee := NewAuto(key, false, Config{})
			defer caller.Close()
			defer callee.Close()
			a := &peer{name: "caller", tr: caller, out: &link{rng: rng, loss: tc.loss, reorder: tc.reorder}}
			b := &peer{name: "callee", tr: callee, out: &link{rng: rng, loss: tc.loss, reorder: tc.reorder}}
			now := t0
			first := func(p *peer) [][]byte {
				var out [][]byte
				for _, m := range msgsOf(p.name, 0, 2) {
					pkts, err := p.tr.Send([]byte(m), now)
					if err != nil {
						t.Fatalf("%s send: %v", p.name, err)
					}
					out = append(out, pkts...)
				}
				pkts, err := p.tr.Poll(now)
				if err != nil {
					t.Fatalf("%s poll: %v", p.name, err)
				}
				return append(out, pkts...)
			}
			fromA, fromB := firstFlight(tc.caller, first(a)), firstFlight(tc.callee, first(b))
			for _, d := range []struct {
				to   *peer
				pkts [][]byte
			}{{b, fromA}, {a, fromB}} {
				for _, p := range d.pkts {
					msgs, err := d.to.tr.Receive(p, now)
					if err != nil {
						d.to.dropped++
					}
					d.to.add(msgs)
				}
			}
			t.Logf("after the first packets: caller %v, callee %v", caller.Mapping(), callee.Mapping())
			for _, p := range []*peer{a, b} {
				for _, m := range msgsOf(p.name, 2, 5) {
					pkts, err := p.tr.Send([]byte(m), now)
					if err != nil {
						t.Fatalf("%s send: %v", p.name, err)
					}
					p.out.put(pkts)
				}
			}
			pump(t, a, b, 7, &now, 20*time.Second)
			if caller.Mapping() != signaling.MappingSCTP || callee.Mapping() != signaling.MappingSCTP {
				t.Fatalf("caller %v, callee %v; want both sctp", caller.Mapping(), callee.Mapping())
			}
			if want := msgsOf("caller", 0, 7); !slices.Equal(b.got, want) {
				t.Errorf("callee got %d messages %q\nwant %q", len(b.got), b.got, want)
			}
			if want := msgsOf("callee", 0, 7); !slices.Equal(a.got, want) {
				t.Errorf("caller got %d messages %q\nwant %q", len(a.got), a.got, want)
			}
		})
	}
}

// pump is run (pipe_test.go), round by round with exchange, with a fake clock for the reliable framing: now
// advances 50 ms a round. It goes on until both sides have heard want
// messages and settled SCTP, and 20 rounds more, so that a copy delivered
// twice shows. pion's timers still run on the wall clock (an INIT is resent
// after 1 s), hence the wall-clock limit.
func pump(t *testing.T, a, b *peer, want int, now *time.Time, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	settled := func() bool { return mappingOf(a) == signaling.MappingSCTP && mappingOf(b) == signaling.MappingSCTP }
	extra := 20 // rounds after the end, for copies that would come late
	for ; extra > 0; extra-- {
		if len(a.got) < want || len(b.got) < want || !settled() {
			extra = 21
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s (%v) got %d, %s (%v) got %d of %d messages, both should settle sctp", limit,
				a.name, mappingOf(a), len(a.got), b.name, mappingOf(b), len(b.got), want)
		}
		*now = now.Add(50 * time.Millisecond)
		exchange(t, a, b, *now)
	}
}

func mappingOf(p *peer) signaling.Mapping {
	if a, ok := p.tr.(*Auto); ok {
		return a.Mapping()
	}
	return signaling.MappingUnknown
}

// TestAutoLetsSCTPGo: beside the reliable framing, SCTP goes out of play when
// its association gives up (pion's INIT retransmissions run out; simulated
// here, it takes about four minutes) or when the peer has carried maxHeard
// messages reliably; the call goes on reliably and Wake and SCTP say so. An
// association that gives up before the peer's first packet is no failure
// either.
func TestAutoLetsSCTPGo(t *testing.T) {
	key := testKey(11)
	for _, tc := range []struct {
		name      string
		heard     int  // reliable messages the peer sends first
		fail      bool // the association gives up
		undecided bool // ... before the peer's first packet
	}{
		{name: "association gives up", heard: 1, fail: true},
		{name: "association gives up undecided", fail: true, undecided: true},
		{name: "maxHeard messages", heard: maxHeard + 1},
		{name: "fewer than maxHeard", heard: maxHeard},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := NewAuto(key, true, Config{})
			defer a.Close()
			peer := signaling.NewReliable(key, false)
			now := t0
			var got int
			for i := 0; i < tc.heard; i++ {
				pkts, err := peer.Send([]byte(fmt.Sprintf(`{"n":%d}`, i)), now)
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range pkts {
					msgs, err := a.Receive(p, now)
					if err != nil {
						t.Fatalf("message %d: %v", i, err)
					}
					got += len(msgs)
				}
				acks, _ := a.Poll(now)
				for _, p := range acks {
					if !signaling.IsSCTP(p) {
						peer.Receive(p, now)
					}
				}
			}
			if got != tc.heard {
				t.Fatalf("heard %d of %d", got, tc.heard)
			}
			sctp := a.SCTP()
			if tc.fail {
				sctp.fail(ErrNotEstablished)
				if _, err := a.Poll(now); err != nil {
					t.Fatalf("poll after the association gave up: %v", err)
				}
			}
			wantGone := tc.fail || tc.heard > maxHeard
			if gone := a.SCTP() == nil; gone != wantGone {
				t.Fatalf("SCTP out of play %v, want %v", gone, wantGone)
			}
			if (a.Wake() == nil) != wantGone {
				t.Fatalf("Wake %v with SCTP out of play %v", a.Wake(), wantGone)
			}
			want := signaling.MappingReliable
			if tc.undecided {
				want = signaling.MappingUnknown
			}
			if a.Mapping() != want {
				t.Fatalf("mapping %v, want %v", a.Mapping(), want)
			}
			// Our messages still reach the peer, and its reach us.
			pkts, err := a.Send([]byte(`{"@type":"Candidates"}`), now)
			if err != nil {
				t.Fatal(err)
			}
			var heard [][]byte
			for _, p := range pkts {
				if signaling.IsSCTP(p) {
					if wantGone {
						t.Fatal("SCTP packet sent with SCTP out of play")
					}
					continue
				}
				msgs, err := peer.Receive(p, now)
				if err != nil {
					t.Fatal(err)
				}
				heard = append(heard, msgs...)
			}
			if len(heard) != 1 {
				t.Fatalf("peer heard %d messages", len(heard))
			}
			pkts, _ = peer.Send([]byte(`{"@type":"MediaState"}`), now)
			msgs, err := a.Receive(pkts[0], now)
			if err != nil || len(msgs) != 1 {
				t.Fatalf("after SCTP went: %d messages, %v", len(msgs), err)
			}
		})
	}
}
