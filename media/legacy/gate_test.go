package legacy

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/wire"
)

// TestAudioGatedOnInitAndInitAck: like libtgvoip 2.4.4 (StartAudio once both
// receivedInit and receivedInitAck), the engine sends audio only after the
// peer's INIT and its INIT_ACK both arrived. Before its INIT arrived we have
// sent no INIT_ACK, so a libtgvoip peer has no incoming stream yet and drops
// the audio ("packet for unknown stream 1").
func TestAudioGatedOnInitAndInitAck(t *testing.T) {
	key := testKey()
	tag := wire.Tag{7}
	relay := netip.MustParseAddrPort("127.0.0.1:9")
	initAck := wire.AppendInitAck(nil, wire.InitAck{ProtocolVersion: 9, MinProtocolVersion: 3,
		Streams: []wire.StreamDesc{{ID: 1, Type: 1, Codec: wire.CodecOpus, FrameDuration: 60, Enabled: true}}})
	pkts := map[string]wire.Packet{
		"init":     {Type: wire.TypeInit, Payload: initPayload()},
		"init-ack": {Type: wire.TypeInitAck, Payload: initAck},
		"nop":      {Type: wire.TypeNop},
	}
	tests := []struct {
		name      string
		received  []string
		wantAudio bool
	}{
		{"nothing", nil, false},
		{"init-ack only", []string{"init-ack"}, false},
		{"init-ack, then other packets", []string{"init-ack", "nop", "nop"}, false},
		{"init only", []string{"init"}, false},
		{"init-ack then init", []string{"init-ack", "init"}, true},
		{"init then init-ack", []string{"init", "init-ack"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			peer := wire.NewCipher(&key, false)
			e, err := NewWithOptions(media.Params{Key: key, Outgoing: true, Audio: newFakeAudio(t, 440),
				Reflectors: []media.Reflector{{ID: 1, IP: "127.0.0.1", Port: 9, PeerTag: tag}}}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer e.conn.Close()
			now := time.Unix(100, 0)
			for i, name := range tt.received {
				p := pkts[name]
				p.Seq = uint32(i + 1)
				b, err := peer.Seal(nil, wire.AppendPacket(nil, p), bytes.NewReader(make([]byte, 32)))
				if err != nil {
					t.Fatal(err)
				}
				e.handle(wire.AppendData(nil, tag, b), relay, now)
			}
			e.mu.Lock()
			d, sent := e.audioLocked(media.Packet{Payload: []byte{0xf8, 1, 2}, Duration: 60 * time.Millisecond})
			e.mu.Unlock()
			if sent != tt.wantAudio {
				t.Fatalf("audio sent %v, want %v", sent, tt.wantAudio)
			}
			if !sent {
				return
			}
			inner, err := wire.NewCipher(&key, false).Open(d.b[16:])
			if err != nil {
				t.Fatal(err)
			}
			if p, err := wire.ParsePacket(inner); err != nil || p.Type != wire.TypeStreamData {
				t.Errorf("sent %+v, %v; want STREAM_DATA", p, err)
			}
		})
	}
}
