package signaling

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tgphone/tgphone/media/tgcalls/internal/transcript"
)

func load(t testing.TB, name string) *transcript.File {
	t.Helper()
	f, err := transcript.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestRawReplay7 opens every frame of the 7.0.0 transcript (signalling V1:
// one raw packet per message) on the receiving side's Raw and checks each
// message byte for byte against tgcalls' plaintext.
func TestRawReplay7(t *testing.T) {
	f := load(t, "7.0.0")
	key := transcript.Key()
	for _, from := range []string{"caller", "callee"} {
		t.Run(from+"→"+transcript.Other(from), func(t *testing.T) {
			rx := NewRaw(key, from == "callee", false) // the receiver is outgoing iff the sender is the callee
			n := 0
			for _, fr := range f.Sent(from) {
				msgs, err := rx.Receive(fr.Bytes(), t0)
				if err != nil {
					t.Fatalf("frame %d: %v", fr.Index, err)
				}
				want := transcript.MustHex(fr.Decrypted.BodyHex)
				if len(msgs) != 1 || !bytes.Equal(msgs[0], want) {
					t.Fatalf("frame %d: got %q, want %q", fr.Index, msgs, want)
				}
				n++
			}
			if n != 5 {
				t.Fatalf("decoded %d frames, want 5", n)
			}
		})
	}
}

// TestRawSeal7 checks that our sender, given tgcalls' plaintext in the same
// order, produces tgcalls' frames byte for byte (the cipher is deterministic
// given the counter).
func TestRawSeal7(t *testing.T) {
	f := load(t, "7.0.0")
	key := transcript.Key()
	for _, from := range []string{"caller", "callee"} {
		t.Run(from, func(t *testing.T) {
			tx := NewRaw(key, from == "caller", false)
			for _, fr := range f.Sent(from) {
				pkts, err := tx.Send(transcript.MustHex(fr.Decrypted.BodyHex), t0)
				if err != nil {
					t.Fatal(err)
				}
				if len(pkts) != 1 || !bytes.Equal(pkts[0], fr.Bytes()) {
					t.Fatalf("frame %d (counter %d) differs from tgcalls'", fr.Index, fr.Decrypted.Seq)
				}
			}
		})
	}
}

// TestRawUserMessages opens every SCTP user message of the 9.0.0 and 11.0.0
// transcripts (signalling V3: gzip bodies) with Raw, checks the gunzipped
// JSON against tgcalls', and checks that SealBody of tgcalls' gzip body gives
// tgcalls' encrypted message.
func TestRawUserMessages(t *testing.T) {
	key := transcript.Key()
	for _, tc := range []struct {
		version string
		want    map[string]int
	}{
		{"9.0.0", map[string]int{"caller": 5, "callee": 5}},
		{"11.0.0", map[string]int{"caller": 5, "callee": 6}},
	} {
		f := load(t, tc.version)
		for _, from := range []string{"caller", "callee"} {
			t.Run(tc.version+"/"+from, func(t *testing.T) {
				rx := NewRaw(key, from == "callee", true)
				tx := NewRaw(key, from == "caller", true)
				n := 0
				for _, fr := range f.Sent(from) {
					for _, m := range fr.Messages {
						if m.PPID != PPIDBinary || m.Stream != 0 {
							t.Fatalf("frame %d: stream %d ppid %d", fr.Index, m.Stream, m.PPID)
						}
						enc := transcript.MustHex(m.EncryptedHex)
						msgs, err := rx.Receive(enc, t0)
						if err != nil {
							t.Fatalf("frame %d: %v", fr.Index, err)
						}
						if want := transcript.MustHex(m.Decrypted.GunzippedHex); len(msgs) != 1 || !bytes.Equal(msgs[0], want) {
							t.Fatalf("frame %d: got %q, want %q", fr.Index, msgs, want)
						}
						tx.counter = m.Decrypted.Seq - 1
						sealed, err := tx.SealBody(transcript.MustHex(m.Decrypted.BodyHex))
						if err != nil || !bytes.Equal(sealed, enc) {
							t.Fatalf("frame %d: our seal differs from tgcalls' (%v)", fr.Index, err)
						}
						n++
					}
				}
				if n != tc.want[from] {
					t.Fatalf("decoded %d messages, want %d", n, tc.want[from])
				}
			})
		}
	}
}

func TestRawRoundTrip(t *testing.T) {
	key := testKey(3)
	for _, tc := range []struct {
		name     string
		compress bool
		msg      string
	}{
		{"v1/json", false, `{"@type":"Candidates","candidates":[]}`},
		{"v3/gzip", true, `{"@type":"InitialSetup","ufrag":"abcd"}`},
		{"v3/large", true, `{"x":"` + strings.Repeat("y", 100000) + `"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := NewRaw(key, true, tc.compress), NewRaw(key, false, tc.compress)
			for i := 0; i < 3; i++ {
				pkts, err := a.Send([]byte(tc.msg), t0)
				if err != nil {
					t.Fatal(err)
				}
				if tc.compress && bytes.Contains(pkts[0], []byte(`@type`)) {
					t.Fatal("plaintext visible")
				}
				msgs, err := b.Receive(pkts[0], t0)
				if err != nil || len(msgs) != 1 || string(msgs[0]) != tc.msg {
					t.Fatalf("got %d msgs, %v", len(msgs), err)
				}
				if _, err := b.Receive(pkts[0], t0); !errors.Is(err, ErrReplay) {
					t.Fatalf("replayed packet: %v, want ErrReplay", err)
				}
			}
			if pkts, err := a.Poll(t0.Add(time.Hour)); len(pkts) != 0 || err != nil {
				t.Fatal("raw framing sent on its own")
			}
		})
	}
}

func TestRawRejects(t *testing.T) {
	key := testKey(4)
	a := NewRaw(key, true, true)
	bomb := Gzip(make([]byte, MaxDecompressed+1))
	pkt, _ := a.SealBody(bomb)
	for _, tc := range []struct {
		name string
		pkt  []byte
		want error
	}{
		{"short", make([]byte, 20), ErrPacketSize},
		{"wrong-key", NewRaw(testKey(5), true, false).mustSeal("{}"), ErrMsgKey},
		{"wrong-direction", NewRaw(key, false, false).mustSeal("{}"), ErrMsgKey},
		{"gzip-bomb", pkt, ErrTooLarge},
		{"bad-gzip", a.mustSealBody([]byte{0x1f, 0x8b, 1, 2, 3}), ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewRaw(key, false, true)
			if _, err := b.Receive(tc.pkt, t0); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := a.SealBody(make([]byte, maxPacket)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized seal: %v", err)
	}
}

func (r *Raw) mustSeal(msg string) []byte {
	p, err := r.Seal([]byte(msg))
	if err != nil {
		panic(err)
	}
	return p
}

func (r *Raw) mustSealBody(b []byte) []byte {
	p, err := r.SealBody(b)
	if err != nil {
		panic(err)
	}
	return p
}

func FuzzRawOpen(f *testing.F) {
	key := testKey(6)
	tx := NewRaw(key, true, true)
	f.Add(tx.mustSeal(`{"@type":"Candidates"}`))
	f.Add(tx.mustSealBody([]byte{0x1f, 0x8b, 8, 0}))
	f.Add(make([]byte, 21))
	f.Fuzz(func(t *testing.T, pkt []byte) {
		rx := NewRaw(key, false, true)
		msgs, err := rx.Receive(pkt, t0)
		if err == nil && len(msgs) != 1 {
			t.Fatalf("%d messages without error", len(msgs))
		}
	})
}

func FuzzGunzip(f *testing.F) {
	f.Add(Gzip([]byte(`{"a":1}`)))
	f.Add([]byte{0x1f, 0x8b})
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := Gunzip(b)
		if err == nil && len(out) > MaxDecompressed {
			t.Fatalf("%d bytes out", len(out))
		}
	})
}

// TestGzipReuse runs messages through the reused compressor and
// decompressor, with broken streams between them: a failed stream must
// leave nothing behind for the next message.
func TestGzipReuse(t *testing.T) {
	for i, tc := range []struct {
		in   []byte
		want error
	}{
		{[]byte(`{"@type":"Candidates","candidates":[]}`), nil},
		{[]byte{0x1f, 0x8b, 1, 2, 3}, ErrMalformed},
		{bytes.Repeat([]byte("abc"), 10000), nil},
		{Gzip([]byte("truncated stream"))[:12], ErrMalformed},
		{[]byte{}, nil},
		{[]byte(`{"@type":"InitialSetup"}`), nil},
	} {
		z := tc.in
		if tc.want == nil {
			z = Gzip(tc.in)
		}
		out, err := Gunzip(z)
		if !errors.Is(err, tc.want) {
			t.Fatalf("message %d: err = %v, want %v", i, err, tc.want)
		}
		if tc.want == nil && !bytes.Equal(out, tc.in) {
			t.Fatalf("message %d: %d bytes back, want %d", i, len(out), len(tc.in))
		}
	}
}

// BenchmarkGzipRoundTrip is one candidate message compressed and read back,
// as the V3 signalling does for each: B/op shows whether gzip's state is
// made afresh per message (about 850 KB) or reused.
func BenchmarkGzipRoundTrip(b *testing.B) {
	msg := []byte(`{"@type":"Candidates","candidates":[{"sdpString":"candidate:1 1 udp 2122260223 192.168.1.20 50000 typ host generation 0 ufrag abcd network-id 1"}]}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Gunzip(Gzip(msg)); err != nil {
			b.Fatal(err)
		}
	}
}
