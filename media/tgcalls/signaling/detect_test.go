package signaling

import (
	"bytes"
	"testing"

	"github.com/tgphone/tgphone/media/tgcalls/internal/transcript"
)

// TestDetectTranscripts runs Detect over every complete frame of each
// transcript, as the receiving side would, and checks that it names the
// framing the file was recorded with.
func TestDetectTranscripts(t *testing.T) {
	key := transcript.Key()
	for _, tc := range []struct {
		version string
		want    Mapping
		frames  int
	}{
		{"7.0.0", MappingRaw, 10},
		{"8.0.0", MappingReliable, 19},
		{"9.0.0", MappingSCTP, 24},
		{"9.0.0-9v2", MappingReliable, 20},
		{"10.0.0", MappingReliable, 15},
		{"11.0.0", MappingSCTP, 25},
	} {
		t.Run(tc.version, func(t *testing.T) {
			f := load(t, tc.version)
			n := 0
			for _, fr := range f.Frames {
				if fr.Omitted {
					continue
				}
				// The receiver is the outgoing side iff the callee sent it.
				if got := Detect(key, fr.From == "callee", fr.Bytes()); got != tc.want {
					t.Fatalf("frame %d (%s, %s): %v, want %v", fr.Index, fr.From, fr.Summary, got, tc.want)
				}
				if tc.want != MappingSCTP {
					// The sender's own key range never opens it.
					if got := Detect(key, fr.From == "caller", fr.Bytes()); got != MappingUnknown {
						t.Fatalf("frame %d opened in the wrong direction: %v", fr.Index, got)
					}
				}
				n++
			}
			if n != tc.frames {
				t.Fatalf("checked %d frames, want %d", n, tc.frames)
			}
		})
	}
}

func TestDetectTable(t *testing.T) {
	key := testKey(9)
	rel := NewConn(key, true)
	relPkt, _ := rel.Send([]byte(`{"@type":"InitialSetup"}`), t0)
	rawPkt := NewRaw(key, true, false).mustSeal(`{"@type":"InitialSetup"}`)
	gzPkt := NewRaw(key, true, true).mustSeal(`{"@type":"InitialSetup"}`)
	sctpPkt := MarshalSCTP(SCTPPacket{SrcPort: 5000, DstPort: 5000, Chunks: []SCTPChunk{{Type: ChunkInit, Value: make([]byte, 16)}}})
	for _, tc := range []struct {
		name string
		pkt  []byte
		want Mapping
	}{
		{"reliable", relPkt, MappingReliable},
		{"raw-json", rawPkt, MappingRaw},
		{"raw-gzip", gzPkt, MappingRaw},
		{"sctp-init", sctpPkt, MappingSCTP},
		{"garbage", bytes.Repeat([]byte{7}, 64), MappingUnknown},
		{"short", []byte{1, 2, 3}, MappingUnknown},
		{"other-key", NewRaw(testKey(10), true, false).mustSeal("{}"), MappingUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Detect(key, false, tc.pkt); got != tc.want {
				t.Fatalf("Detect = %v, want %v", got, tc.want)
			}
		})
	}
	// Detect registers nothing: the reliable packet still opens afterwards.
	if msgs, err := NewConn(key, false).Receive(relPkt); err != nil || len(msgs) != 1 {
		t.Fatalf("after Detect: %d msgs, %v", len(msgs), err)
	}
}

func FuzzDetect(f *testing.F) {
	key := testKey(11)
	f.Add(NewRaw(key, true, false).mustSeal(`{}`))
	f.Add(MarshalSCTP(SCTPPacket{SrcPort: 5000, DstPort: 5000, Chunks: []SCTPChunk{{Type: ChunkCookieAck}}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		m := Detect(key, false, b)
		if m == MappingSCTP && !IsSCTP(b) {
			t.Fatal("SCTP without a valid packet")
		}
		_ = m.String()
	})
}

// TestReliableReplay feeds the reliable transcripts (8.0.0 and 9.0.0 as
// tgcalls 2025 speaks it) through Reliable in the receiving role and checks
// every first transmission comes out once, in order, byte for byte.
func TestReliableReplay(t *testing.T) {
	key := transcript.Key()
	for _, tc := range []struct {
		version string
		want    map[string]int
	}{
		{"8.0.0", map[string]int{"caller": 5, "callee": 5}},
		{"9.0.0-9v2", map[string]int{"caller": 5, "callee": 5}},
		{"10.0.0", map[string]int{"caller": 5, "callee": 5}},
	} {
		f := load(t, tc.version)
		for _, from := range []string{"caller", "callee"} {
			t.Run(tc.version+"/"+from, func(t *testing.T) {
				rx := NewReliable(key, from == "callee")
				var want [][]byte
				var got [][]byte
				for _, fr := range f.Sent(from) {
					if fr.Omitted {
						continue
					}
					for _, m := range fr.Decrypted.Messages {
						if m.Type == "custom" && !m.Resend {
							want = append(want, transcript.MustHex(m.BodyHex))
						}
					}
					msgs, err := rx.Receive(fr.Bytes(), t0)
					if err != nil {
						t.Fatalf("frame %d: %v", fr.Index, err)
					}
					got = append(got, msgs...)
					if !rx.NextPoll().IsZero() && rx.NextPoll().After(t0) {
						t.Fatalf("frame %d: acks not due now", fr.Index)
					}
					if _, err := rx.Poll(t0); err != nil {
						t.Fatal(err)
					}
				}
				if len(got) != tc.want[from] || len(want) != tc.want[from] {
					t.Fatalf("got %d messages, transcript has %d, want %d", len(got), len(want), tc.want[from])
				}
				for i := range want {
					if !bytes.Equal(got[i], want[i]) {
						t.Fatalf("message %d: got %q, want %q", i, got[i], want[i])
					}
				}
			})
		}
	}
}
