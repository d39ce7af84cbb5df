package wire

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
)

// Tag is a relay peer tag from a phoneConnection.
type Tag [16]byte

// Pairs reports whether two tags belong to the two sides of one call: they are
// identical or differ only in bit 0 of byte 15 (spec §1).
func (t Tag) Pairs(o Tag) bool {
	o[15] ^= (t[15] ^ o[15]) & 1
	return t == o
}

// Relay reply constructors (spec §1 table).
const (
	SelfInfoReplyID uint32 = 0xc01572c7
	PeerInfoReplyID uint32 = 0x27d9371c
	selfInfoReqID   uint32 = 0xfffffffe // int32 -2
)

// RelayKind says what a relay datagram carries.
type RelayKind int

const (
	RelayData RelayKind = iota
	RelaySelfInfoRequest
	RelaySelfInfoReply
	RelayPeerInfoRequest
	RelayPeerInfoReply
)

func (k RelayKind) String() string {
	switch k {
	case RelayData:
		return "data"
	case RelaySelfInfoRequest:
		return "self-info-request"
	case RelaySelfInfoReply:
		return "self-info-reply"
	case RelayPeerInfoRequest:
		return "peer-info-request"
	case RelayPeerInfoReply:
		return "peer-info-reply"
	}
	return "unknown"
}

// RelayPacket is one parsed relay datagram.
type RelayPacket struct {
	Tag     Tag
	Kind    RelayKind
	QueryID int64
	Date    int32
	// My is the address the relay sees the receiver at; Peer the other side's.
	My, Peer netip.AddrPort
	// Body is the encrypted packet for RelayData (aliases the input).
	Body []byte
}

var ff12 = bytes.Repeat([]byte{0xff}, 12)

// ParseRelay splits a datagram from or to a relay.
func ParseRelay(b []byte) (RelayPacket, error) {
	var p RelayPacket
	if len(b) < 16 {
		return p, fmt.Errorf("relay datagram of %d bytes: %w", len(b), ErrShort)
	}
	copy(p.Tag[:], b[:16])
	rest := b[16:]
	if len(rest) < 16 || !bytes.Equal(rest[:12], ff12) {
		p.Kind = RelayData
		p.Body = rest
		return p, nil
	}
	switch {
	case len(rest) == 16 && rest[12] == 0xff && rest[13] == 0xff && rest[14] == 0xff && rest[15] == 0xff:
		p.Kind = RelayPeerInfoRequest
	case len(rest) == 24 && binary.LittleEndian.Uint32(rest[12:]) == selfInfoReqID:
		p.Kind = RelaySelfInfoRequest
		p.QueryID = int64(binary.LittleEndian.Uint64(rest[16:]))
	case len(rest) == 48 && binary.LittleEndian.Uint32(rest[12:]) == SelfInfoReplyID:
		p.Kind = RelaySelfInfoReply
		p.Date = int32(binary.LittleEndian.Uint32(rest[16:]))
		p.QueryID = int64(binary.LittleEndian.Uint64(rest[20:]))
		var ip [16]byte
		copy(ip[:], rest[28:44])
		port := binary.LittleEndian.Uint32(rest[44:])
		if port > 0xffff {
			return p, fmt.Errorf("self-info port %d: %w", port, ErrMalformed)
		}
		p.My = netip.AddrPortFrom(netip.AddrFrom16(ip).Unmap(), uint16(port))
	case len(rest) == 32 && binary.LittleEndian.Uint32(rest[12:]) == PeerInfoReplyID:
		p.Kind = RelayPeerInfoReply
		my, err := v4Port(rest[16:24])
		if err != nil {
			return p, err
		}
		peer, err := v4Port(rest[24:32])
		if err != nil {
			return p, err
		}
		p.My, p.Peer = my, peer
	default:
		return p, fmt.Errorf("relay control packet of %d bytes: %w", len(b), ErrMalformed)
	}
	return p, nil
}

func v4Port(b []byte) (netip.AddrPort, error) {
	port := binary.LittleEndian.Uint32(b[4:])
	if port > 0xffff {
		return netip.AddrPort{}, fmt.Errorf("peer-info port %d: %w", port, ErrMalformed)
	}
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[:4])), uint16(port)), nil
}

// AppendData appends tag | body.
func AppendData(dst []byte, tag Tag, body []byte) []byte {
	dst = append(dst, tag[:]...)
	return append(dst, body...)
}

// AppendSelfInfoRequest appends the 40-byte "UDP ping".
func AppendSelfInfoRequest(dst []byte, tag Tag, queryID int64) []byte {
	dst = append(dst, tag[:]...)
	dst = append(dst, ff12...)
	dst = binary.LittleEndian.AppendUint32(dst, selfInfoReqID)
	return binary.LittleEndian.AppendUint64(dst, uint64(queryID))
}

// AppendSelfInfoReply appends the relay's 64-byte answer to a self-info request.
func AppendSelfInfoReply(dst []byte, tag Tag, date int32, queryID int64, my netip.AddrPort) []byte {
	dst = append(dst, tag[:]...)
	dst = append(dst, ff12...)
	dst = binary.LittleEndian.AppendUint32(dst, SelfInfoReplyID)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(date))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(queryID))
	ip := my.Addr().As16()
	dst = append(dst, ip[:]...)
	return binary.LittleEndian.AppendUint32(dst, uint32(my.Port()))
}

// AppendPeerInfoRequest appends the 32-byte peer-info request.
func AppendPeerInfoRequest(dst []byte, tag Tag) []byte {
	dst = append(dst, tag[:]...)
	return append(dst, bytes.Repeat([]byte{0xff}, 16)...)
}

// AppendPeerInfoReply appends the relay's 48-byte peer-info answer. Only IPv4
// fits the format; other addresses are written as 0.0.0.0.
func AppendPeerInfoReply(dst []byte, tag Tag, my, peer netip.AddrPort) []byte {
	dst = append(dst, tag[:]...)
	dst = append(dst, ff12...)
	dst = binary.LittleEndian.AppendUint32(dst, PeerInfoReplyID)
	for _, ap := range []netip.AddrPort{my, peer} {
		var ip4 [4]byte
		if a := ap.Addr().Unmap(); a.Is4() {
			ip4 = a.As4()
		}
		dst = append(dst, ip4[:]...)
		dst = binary.LittleEndian.AppendUint32(dst, uint32(ap.Port()))
	}
	return dst
}
