package signaling

import (
	"crypto/subtle"
	"encoding/binary"
)

// Detect tells from one packet of the peer how the peer frames its
// signalling: MappingSCTP for an SCTP packet between ports 5000/5000 with a
// valid CRC32c, MappingReliable or MappingRaw for an EncryptedConnection
// packet whose msg_key checks out under the peer's key (reliable when its
// first message has a type byte of the reliable framing and a flag bit or an
// empty/0x7F head; raw otherwise), MappingUnknown for anything else. key and
// outgoing are ours (the peer's packets are opened with the other range).
//
// On library version 9.0.0 a peer speaks SCTP (tgcalls 2024: Telegram
// Desktop ≤ 4.8, Android) or the reliable framing (tgcalls 2025: Desktop ≥
// 4.9); Detect on its first packet tells which. Nothing is registered in any
// replay window: the packet is only looked at.
func Detect(key [KeySize]byte, outgoing bool, packet []byte) Mapping {
	if IsSCTP(packet) {
		return MappingSCTP
	}
	if len(packet) < minPacket || len(packet) > maxPacket {
		return MappingUnknown
	}
	c := NewCipher(key, outgoing)
	plain := make([]byte, len(packet)-16)
	ctr(c.key[:], c.recvX, packet[:16]).XORKeyStream(plain, packet[16:])
	mk := msgKey(c.key[:], c.recvX, plain)
	if subtle.ConstantTimeCompare(mk[:], packet[:16]) != 1 {
		return MappingUnknown
	}
	seq := binary.BigEndian.Uint32(plain)
	body := plain[4:]
	// A reliable packet starts with a flagged seq (requires-ack or
	// single-message), or with an empty head, followed by a type byte of the
	// framing; a raw packet's seq has no flag bits and its body is JSON
	// ('{') or gzip (0x1f).
	switch {
	case seq&(singleMessageBit|requiresAckBit) != 0:
		return MappingReliable
	case body[0] == typeEmpty:
		return MappingReliable
	case body[0] == typeCustom && len(body) >= 5 && int(binary.BigEndian.Uint32(body[1:5])) <= len(body)-5:
		return MappingReliable
	default:
		return MappingRaw
	}
}
