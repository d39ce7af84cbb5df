// Package wire is the libtgvoip 2.4.4 media wire protocol (protocol version 9,
// connection layer 92): relay framing, packet encryption and inner packets.
// It is pure — no sockets, no goroutines, no clocks — so every function can be
// table-tested against captured packets and fuzzed.
//
// Spec: ../shared/spec/wire.md §1 (relay framing), §2 (encryption), §3 (inner
// packets); telegram-calls.md §4.
//
// Usage:
//
//	c := wire.NewCipher(&key, outgoing)
//	body, _ := c.Seal(nil, wire.AppendPacket(nil, pkt), rand.Reader)
//	dgram := wire.AppendData(nil, peerTag, body)
//	// receive side
//	rp, _ := wire.ParseRelay(dgram)
//	inner, _ := c.Open(rp.Body)
//	pkt, _ := wire.ParsePacket(inner)
package wire
