package legacy

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/wire"
)

// FuzzHandle feeds hostile datagrams from the relay's address into the
// engine: they must be dropped and counted, never panic.
func FuzzHandle(f *testing.F) {
	key := testKey()
	tag := wire.Tag{1, 2, 3}
	relay := netip.MustParseAddrPort("127.0.0.1:9")
	peer := wire.NewCipher(&key, false)
	seal := func(p wire.Packet) []byte {
		b, _ := peer.Seal(nil, wire.AppendPacket(nil, p), bytes.NewReader(make([]byte, 32)))
		return wire.AppendData(nil, tag, b)
	}
	sd, _ := wire.AppendStreamData(nil, wire.StreamData{StreamID: 1, PTS: 60, Data: []byte{0x78, 1}, ExtraFEC: [][]byte{{0x78}}})
	f.Add(seal(wire.Packet{Type: wire.TypeInit, Seq: 1, Payload: wire.AppendInit(nil, wire.Init{ProtocolVersion: 9, MinProtocolVersion: 3})}))
	f.Add(seal(wire.Packet{Type: wire.TypeInitAck, Seq: 2, AckID: 1, AckMask: 1 << 31, Payload: []byte{9, 0, 0, 0, 3, 0, 0, 0, 0}}))
	f.Add(seal(wire.Packet{Type: wire.TypeStreamData, Seq: 3, Payload: sd}))
	// Four extra-EC copies reaching back before the stream's start (pts 60).
	sd4, _ := wire.AppendStreamData(nil, wire.StreamData{StreamID: 1, PTS: 60, Data: []byte{0x78, 2}, ExtraFEC: [][]byte{{0x78}, {0x78, 3}, {}, {0x78, 4}}})
	f.Add(seal(wire.Packet{Type: wire.TypeStreamData, Seq: 5, Payload: sd4}))
	f.Add(seal(wire.Packet{Type: wire.TypePong, Seq: 4, Payload: []byte{1, 0, 0, 0}}))
	f.Add(wire.AppendSelfInfoReply(nil, tag, 1, 2, relay))
	f.Add(wire.AppendPeerInfoReply(nil, tag, relay, relay))
	e, err := NewWithOptions(media.Params{Key: key, Outgoing: true, P2PAllowed: true, Audio: newFakeAudio(f, 440),
		Reflectors: []media.Reflector{{ID: 1, IP: "127.0.0.1", Port: 9, PeerTag: tag}}}, Options{})
	if err != nil {
		f.Fatal(err)
	}
	defer e.conn.Close()
	f.Fuzz(func(t *testing.T, b []byte) {
		before := e.Stats()
		_, _ = e.handle(b, relay, time.Unix(100, 0))
		after := e.Stats()
		if after.PacketsRecv == before.PacketsRecv && after.PacketsDropped == before.PacketsDropped {
			if p, err := wire.ParseRelay(b); err != nil || p.Kind == wire.RelayData {
				t.Fatalf("datagram neither accepted nor counted as dropped")
			}
		}
	})
}
