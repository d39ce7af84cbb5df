package replaytest

import (
	"bytes"
	"testing"

	"github.com/tgphone/tgphone/media/tgcalls/signaling"
)

// packet is an SCTP packet of chunks of these types, the i-th chunk's
// value twelve bytes of first+i.
func packet(first byte, types ...byte) []byte {
	p := signaling.SCTPPacket{SrcPort: 5000, DstPort: 5000, Tag: 0x01020304}
	for i, typ := range types {
		p.Chunks = append(p.Chunks, signaling.SCTPChunk{Type: typ, Value: bytes.Repeat([]byte{first + byte(i)}, 12)})
	}
	return signaling.MarshalSCTP(p)
}

func TestStripSacks(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      []byte
		want    []byte
		wantErr bool
	}{
		{"no SACK: the packet as it was", packet(1, signaling.ChunkData), packet(1, signaling.ChunkData), false},
		{"DATA and SACK: DATA", packet(1, signaling.ChunkSack, signaling.ChunkData), packet(2, signaling.ChunkData), false},
		{"SACK only: nothing", packet(1, signaling.ChunkSack), nil, false},
		{"not SCTP", []byte{1, 2, 3}, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := StripSacks(tc.in)
			if (err != nil) != tc.wantErr || !bytes.Equal(got, tc.want) {
				t.Fatalf("StripSacks = %x, %v; want %x (error %v)", got, err, tc.want, tc.wantErr)
			}
		})
	}
}
