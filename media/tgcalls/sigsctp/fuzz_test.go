package sigsctp

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/tgphone/tgphone/media/tgcalls/internal/transcript"
	"github.com/tgphone/tgphone/media/tgcalls/signaling"
)

// FuzzReceive feeds arbitrary packets, with their CRC32c made valid so that
// they reach pion's parser and state machine, into a live transport.
func FuzzReceive(f *testing.F) {
	for _, side := range []string{"caller", "callee"} {
		raw, err := transcript.LoadRaw("9.0.0", side)
		if err != nil {
			f.Fatal(err)
		}
		for _, r := range raw {
			f.Add(r.Bytes())
		}
	}
	key := transcript.Key()
	var tr *Transport
	f.Cleanup(func() {
		if tr != nil {
			tr.Close()
		}
	})
	f.Fuzz(func(t *testing.T, b []byte) {
		if tr == nil {
			tr = New(key, false, Config{})
		}
		if len(b) >= 12 {
			b = append([]byte(nil), b...)
			binary.LittleEndian.PutUint32(b[8:], signaling.SCTPChecksum(b))
		}
		_, err := tr.Receive(b, t0)
		tr.Poll(t0)
		if err != nil && !errors.Is(err, signaling.ErrSCTP) {
			// The association ended (an ABORT, say): start a new one.
			tr.Close()
			tr = nil
		}
	})
}
