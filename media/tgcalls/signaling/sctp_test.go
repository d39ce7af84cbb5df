package signaling

import (
	"bytes"
	"errors"
	"testing"

	"github.com/tgphone/tgphone/media/tgcalls/internal/transcript"
)

// TestParseSCTPTranscripts parses every frame of the complete 9.0.0 and
// 11.0.0 captures (SCTP over signalling): CRC32c, ports 5000/5000, the
// verification tag (0 on INIT, else the receiver's initiate tag), and that
// re-marshalling gives the same bytes.
func TestParseSCTPTranscripts(t *testing.T) {
	for _, tc := range []struct {
		version string
		frames  map[string]int
	}{
		{"9.0.0", map[string]int{"caller": 13, "callee": 12}},
		{"11.0.0", map[string]int{"caller": 12, "callee": 14}},
	} {
		for _, side := range []string{"caller", "callee"} {
			t.Run(tc.version+"/"+side, func(t *testing.T) {
				raw, err := transcript.LoadRaw(tc.version, side)
				if err != nil {
					t.Fatal(err)
				}
				out := transcript.Out(raw)
				if len(out) != tc.frames[side] {
					t.Fatalf("%d frames, want %d", len(out), tc.frames[side])
				}
				var peerTag uint32 // the receiver's initiate tag, from its INIT
				for _, r := range raw {
					p, err := ParseSCTP(r.Bytes())
					if err != nil {
						t.Fatalf("%s %d: %v", r.Dir, r.N, err)
					}
					if r.Dir == "in" && p.Chunks[0].Type == ChunkInit {
						ini, _ := ParseInit(p.Chunks[0])
						peerTag = ini.InitiateTag
					}
				}
				for i, b := range out {
					p, err := ParseSCTP(b)
					if err != nil {
						t.Fatalf("frame %d: %v", i, err)
					}
					if p.SrcPort != SCTPPort || p.DstPort != SCTPPort || !IsSCTP(b) {
						t.Fatalf("frame %d: ports %d/%d", i, p.SrcPort, p.DstPort)
					}
					wantTag := peerTag
					if p.Chunks[0].Type == ChunkInit {
						wantTag = 0
					}
					if p.Tag != wantTag {
						t.Fatalf("frame %d: tag %08x, want %08x", i, p.Tag, wantTag)
					}
					for _, c := range p.Chunks {
						switch c.Type {
						case ChunkData:
							d, err := ParseData(c)
							if err != nil || d.PPID != PPIDBinary || d.Stream != 0 || d.Unorder {
								t.Fatalf("frame %d: DATA %+v %v", i, d, err)
							}
						case ChunkSack:
							if _, err := ParseSack(c); err != nil {
								t.Fatalf("frame %d: %v", i, err)
							}
						case ChunkInit, ChunkInitAck:
							if _, err := ParseInit(c); err != nil {
								t.Fatalf("frame %d: %v", i, err)
							}
						}
					}
					if again := MarshalSCTP(p); !bytes.Equal(again, b) {
						t.Fatalf("frame %d: re-marshalled differs", i)
					}
				}
			})
		}
	}
}

func TestParseSCTPRejects(t *testing.T) {
	good := MarshalSCTP(SCTPPacket{SrcPort: 5000, DstPort: 5000, Tag: 7, Chunks: []SCTPChunk{{Type: ChunkCookieAck}}})
	flip := bytes.Clone(good)
	flip[5] ^= 1
	badLen := bytes.Clone(good)
	badLen[15] = 40 // chunk length beyond the packet
	badLen[8], badLen[9], badLen[10], badLen[11] = 0, 0, 0, 0
	le := SCTPChecksum(badLen)
	badLen[8], badLen[9], badLen[10], badLen[11] = byte(le), byte(le>>8), byte(le>>16), byte(le>>24)
	port0 := MarshalSCTP(SCTPPacket{SrcPort: 0, DstPort: 5000, Chunks: []SCTPChunk{{Type: ChunkCookieAck}}})
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"header-only", good[:12]},
		{"bad-crc", flip},
		{"chunk-overrun", badLen},
		{"port-0", port0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ParseSCTP(tc.b); !errors.Is(err, ErrSCTP) {
				t.Fatalf("err = %v", err)
			}
			if IsSCTP(tc.b) {
				t.Fatal("IsSCTP")
			}
		})
	}
	if _, err := ParseSCTP(good); err != nil {
		t.Fatal(err)
	}
	otherPorts := MarshalSCTP(SCTPPacket{SrcPort: 5001, DstPort: 5000, Chunks: []SCTPChunk{{Type: ChunkCookieAck}}})
	if IsSCTP(otherPorts) {
		t.Fatal("IsSCTP accepts ports other than 5000/5000")
	}
}

func FuzzParseSCTP(f *testing.F) {
	for _, v := range []string{"9.0.0", "11.0.0"} {
		raw, err := transcript.LoadRaw(v, "caller")
		if err != nil {
			f.Fatal(err)
		}
		for _, r := range raw[:6] {
			f.Add(r.Bytes())
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseSCTP(b)
		if err != nil {
			return
		}
		for _, c := range p.Chunks {
			ParseData(c)
			ParseInit(c)
			ParseSack(c)
		}
		if again, err := ParseSCTP(MarshalSCTP(p)); err != nil || len(again.Chunks) != len(p.Chunks) {
			t.Fatalf("re-marshalled packet does not parse: %v", err)
		}
	})
}
