package legacy

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/wire"
)

// TestExtrasUntilAcked: after INIT_ACK the engine advertises its endpoint in
// every packet until one carrying it is acked, and takes the peer's endpoint
// extra as a p2p candidate once.
func TestExtrasUntilAcked(t *testing.T) {
	key := testKey()
	tag := wire.Tag{7}
	relay := netip.MustParseAddrPort("127.0.0.1:9")
	peer := wire.NewCipher(&key, false)
	seal := func(p wire.Packet) []byte {
		b, err := peer.Seal(nil, wire.AppendPacket(nil, p), bytes.NewReader(make([]byte, 32)))
		if err != nil {
			t.Fatal(err)
		}
		return wire.AppendData(nil, tag, b)
	}
	e, err := NewWithOptions(media.Params{Key: key, Outgoing: true, P2PAllowed: true, Audio: newFakeAudio(t, 440),
		Reflectors: []media.Reflector{{ID: 1, IP: "127.0.0.1", Port: 9, PeerTag: tag}}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.conn.Close()
	now := time.Unix(100, 0)
	ack := wire.AppendInitAck(nil, wire.InitAck{ProtocolVersion: 9, MinProtocolVersion: 3})
	peerLAN := netip.MustParseAddrPort("127.0.0.1:4242")
	e.handle(seal(wire.Packet{Type: wire.TypeInitAck, Seq: 1, Payload: ack,
		Extras: []wire.Extra{{Type: wire.ExtraLANEndpoint, Data: wire.AppendLANEndpoint(nil, peerLAN)}}}), relay, now)
	if e.p2p == nil || e.p2p.addr != peerLAN {
		t.Fatalf("p2p candidate %+v", e.p2p)
	}
	peerRead := wire.NewCipher(&key, false)
	readOurs := func(d datagram) wire.Packet {
		inner, err := peerRead.Open(d.b[16:])
		if err != nil {
			t.Fatal(err)
		}
		p, _ := wire.ParsePacket(inner)
		return p
	}
	for i := 0; i < 2; i++ {
		e.mu.Lock()
		p := readOurs(e.packetLocked(nil, wire.TypeNop, nil, nil))
		e.mu.Unlock()
		if len(p.Extras) != 1 || p.Extras[0].Type != wire.ExtraLANEndpoint {
			t.Fatalf("packet %d extras %+v", i, p.Extras)
		}
		if ap, _ := wire.ParseLANEndpoint(p.Extras[0].Data); ap != e.conn.LocalAddr().(interface{ AddrPort() netip.AddrPort }).AddrPort() {
			t.Errorf("advertised %v", ap)
		}
	}
	// The peer acks our last packet: the extra stops.
	e.handle(seal(wire.Packet{Type: wire.TypeNop, Seq: 2, AckID: e.seq, AckMask: 1 << 31}), relay, now)
	e.mu.Lock()
	p := readOurs(e.packetLocked(nil, wire.TypeNop, nil, nil))
	e.mu.Unlock()
	if len(p.Extras) != 0 {
		t.Errorf("extras after ack: %+v", p.Extras)
	}
	// A repeated endpoint extra is not acted on again.
	e.p2p = nil
	e.handle(seal(wire.Packet{Type: wire.TypeNop, Seq: 3,
		Extras: []wire.Extra{{Type: wire.ExtraLANEndpoint, Data: wire.AppendLANEndpoint(nil, peerLAN)}}}), relay, now)
	if e.p2p != nil {
		t.Errorf("duplicate extra handled again")
	}
}
