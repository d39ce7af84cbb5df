package sigsctp

import (
	"bytes"
	"errors"
	"math/rand"
	"slices"
	"testing"
	"time"

	"github.com/tgphone/tgphone/media/tgcalls/internal/transcript"
	"github.com/tgphone/tgphone/media/tgcalls/signaling"
)

// TestAutoTgcalls runs Auto (9.0.0, undecided) in one role against the
// frames tgcalls sent in the other role, for both 9.0.0 mappings: SCTP
// (tgcalls 2024, transcript 9.0.0) and reliable (tgcalls 2025, 9.0.0-9v2).
// Before it hears from the peer Auto sends its SCTP INIT first and its
// messages in both framings; the first tgcalls packet decides; every message
// tgcalls sent comes out in order; afterwards messages go out in the chosen
// framing only (beside the reliable one, the SCTP association only repeats
// its INIT); and what Auto sent in the other framing is something that
// tgcalls drops (an EncryptedConnection packet fails dcSCTP's CRC32c, an SCTP
// packet fails EncryptedConnection's msg_key).
func TestAutoTgcalls(t *testing.T) {
	key := transcript.Key()
	for _, tc := range []struct {
		version string
		want    signaling.Mapping
		msgs    int
	}{
		{"9.0.0", signaling.MappingSCTP, 5},
		{"9.0.0-9v2", signaling.MappingReliable, 5},
	} {
		f, err := transcript.Load(tc.version)
		if err != nil {
			t.Fatal(err)
		}
		for _, tg := range []string{"caller", "callee"} {
			t.Run(tc.version+"/tgcalls-"+tg, func(t *testing.T) {
				outgoing := tg == "callee"
				a := NewAuto(key, outgoing, Config{})
				defer a.Close()
				var frames [][]byte
				var want [][]byte
				for _, fr := range f.Sent(tg) {
					if fr.Omitted {
						continue
					}
					frames = append(frames, fr.Bytes())
					for _, m := range fr.Messages {
						want = append(want, transcript.MustHex(m.Decrypted.GunzippedHex))
					}
					if fr.Decrypted != nil {
						for _, m := range fr.Decrypted.Messages {
							if m.Type == "custom" && !m.Resend {
								want = append(want, transcript.MustHex(m.BodyHex))
							}
						}
					}
				}
				if len(want) != tc.msgs {
					t.Fatalf("transcript has %d messages", len(want))
				}
				// What we say before hearing from the peer.
				early, err := a.Send([]byte(`{"@type":"InitialSetup","ufrag":"us"}`), t0)
				if err != nil {
					t.Fatal(err)
				}
				if len(early) < 2 || !signaling.IsSCTP(early[0]) {
					t.Fatalf("first packets: %d, first SCTP %v", len(early), len(early) > 0 && signaling.IsSCTP(early[0]))
				}
				p0, _ := signaling.ParseSCTP(early[0])
				if p0.Chunks[0].Type != signaling.ChunkInit {
					t.Fatalf("first packet has chunk %d, want INIT", p0.Chunks[0].Type)
				}
				var sawReliable bool
				for _, p := range early {
					if signaling.IsSCTP(p) {
						// A tgcalls 2025 peer cannot open it.
						if _, err := signaling.NewConn(key, !outgoing).Receive(p); !errors.Is(err, signaling.ErrMsgKey) && !errors.Is(err, signaling.ErrPacketSize) {
							t.Fatalf("reliable peer on our SCTP packet: %v", err)
						}
						continue
					}
					sawReliable = true
					if _, err := signaling.ParseSCTP(p); err == nil {
						t.Fatal("our reliable packet parses as SCTP")
					}
					msgs, err := signaling.NewConn(key, !outgoing).Receive(p)
					if err != nil || len(msgs) != 1 {
						t.Fatalf("reliable peer on our reliable packet: %d msgs, %v", len(msgs), err)
					}
				}
				if !sawReliable {
					t.Fatal("no reliable packet before the decision")
				}

				var got [][]byte
				for i, fr := range frames {
					if tc.want == signaling.MappingSCTP {
						fr = stripSacks(fr)
						if fr == nil {
							continue
						}
					}
					msgs, err := a.Receive(fr, t0)
					if err != nil {
						t.Fatalf("frame %d: %v", i, err)
					}
					if a.Mapping() != tc.want {
						t.Fatalf("after frame %d: mapping %v, want %v", i, a.Mapping(), tc.want)
					}
					got = append(got, msgs...)
					if _, err := a.Poll(t0); err != nil {
						t.Fatal(err)
					}
				}
				deadline := time.Now().Add(10 * time.Second)
				for len(got) < len(want) && time.Now().Before(deadline) {
					select {
					case <-a.Wake():
					case <-time.After(10 * time.Millisecond):
					}
					msgs, _ := a.Receive(nil, t0)
					got = append(got, msgs...)
				}
				if len(got) != len(want) {
					t.Fatalf("got %d messages, want %d", len(got), len(want))
				}
				for i := range want {
					if !bytes.Equal(got[i], want[i]) {
						t.Fatalf("message %d: got %q, want %q", i, got[i], want[i])
					}
				}
				// After the decision: messages go out in the chosen framing
				// only. Beside the reliable framing the SCTP association
				// keeps offering itself (INITs, which a reliable peer drops)
				// and carries nothing else, since no SCTP peer answers.
				later, err := a.Send([]byte(`{"@type":"Candidates"}`), t0)
				if err != nil {
					t.Fatal(err)
				}
				polled, err := a.Poll(t0.Add(time.Minute))
				if err != nil {
					t.Fatal(err)
				}
				var sentChosen bool
				for _, p := range append(later, polled...) {
					if signaling.IsSCTP(p) == (tc.want == signaling.MappingSCTP) {
						sentChosen = true
						continue
					}
					if tc.want == signaling.MappingSCTP {
						t.Fatal("sent a reliable packet after settling SCTP")
					}
					sp, _ := signaling.ParseSCTP(p)
					if len(sp.Chunks) != 1 || sp.Chunks[0].Type != signaling.ChunkInit {
						t.Fatalf("beside the reliable framing sent SCTP chunks %v, want an INIT only", sp.Chunks)
					}
				}
				if tc.want == signaling.MappingReliable && !sentChosen {
					// (pion writes SCTP DATA from its own goroutine, so
					// only the reliable packet is sure to be out by now.)
					t.Fatal("the message did not go out reliably")
				}
				if a.Wake() == nil || a.SCTP() == nil {
					t.Fatal("SCTP went out of play; it stays beside the reliable framing and is the chosen one on SCTP")
				}
			})
		}
	}
}

func TestAutoUndecidedDrops(t *testing.T) {
	key := testKey(3)
	a := NewAuto(key, true, Config{})
	defer a.Close()
	otherKey, _ := signaling.NewConn(testKey(4), false).Send([]byte(`{}`), t0)
	for _, pkt := range [][]byte{
		bytes.Repeat([]byte{1}, 40),
		otherKey,
	} {
		if _, err := a.Receive(pkt, t0); !errors.Is(err, ErrUndecided) {
			t.Fatalf("err = %v", err)
		}
	}
	if a.Mapping() != signaling.MappingUnknown {
		t.Fatal("decided on garbage")
	}
}

// TestAutoPeers runs Auto against each kind of 9.0.0 peer we can build:
// another Auto (tgphone), an SCTP transport (as tgcalls 2024) and a
// reliable one (as tgcalls 2025), over in-order links.
func TestAutoPeers(t *testing.T) {
	key := testKey(7)
	for _, tc := range []struct {
		name string
		peer func() signaling.Transport
		want signaling.Mapping
	}{
		{"auto", func() signaling.Transport { return NewAuto(key, false, Config{}) }, signaling.MappingSCTP},
		{"sctp", func() signaling.Transport { return New(key, false, Config{}) }, signaling.MappingSCTP},
		{"reliable", func() signaling.Transport { return signaling.NewReliable(key, false) }, signaling.MappingReliable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(1))
			auto := NewAuto(key, true, Config{})
			a := &peer{name: "auto", tr: auto, out: &link{rng: rng}}
			b := &peer{name: tc.name, tr: tc.peer(), out: &link{rng: rng}}
			defer a.tr.Close()
			defer b.tr.Close()
			sendAll(t, a, msgsOf("caller", 0, 2)) // the caller speaks first
			sendAll(t, b, msgsOf("callee", 0, 2))
			run(t, a, b, 2, 30*time.Second)
			sendAll(t, a, msgsOf("caller", 2, 5))
			sendAll(t, b, msgsOf("callee", 2, 5))
			run(t, a, b, 7, 30*time.Second)
			if auto.Mapping() != tc.want {
				t.Fatalf("mapping %v, want %v", auto.Mapping(), tc.want)
			}
			if other, ok := b.tr.(*Auto); ok && other.Mapping() != tc.want {
				t.Fatalf("peer mapping %v", other.Mapping())
			}
			if !slices.Equal(b.got, msgsOf("caller", 0, 7)) || !slices.Equal(a.got, msgsOf("callee", 0, 7)) {
				t.Fatalf("auto got %q\npeer got %q", a.got, b.got)
			}
			t.Logf("%s: auto dropped %d packets, peer dropped %d", auto.Mapping(), a.dropped, b.dropped)
		})
	}
}
