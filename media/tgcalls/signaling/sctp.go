package signaling

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// SCTP chunk types seen on the signalling association (RFC 9260 §3.2, RFC
// 6525 RE-CONFIG, RFC 3758 FORWARD-TSN).
const (
	ChunkData             byte = 0
	ChunkInit             byte = 1
	ChunkInitAck          byte = 2
	ChunkSack             byte = 3
	ChunkHeartbeat        byte = 4
	ChunkHeartbeatAck     byte = 5
	ChunkAbort            byte = 6
	ChunkShutdown         byte = 7
	ChunkShutdownAck      byte = 8
	ChunkError            byte = 9
	ChunkCookieEcho       byte = 10
	ChunkCookieAck        byte = 11
	ChunkShutdownComplete byte = 14
	ChunkReconfig         byte = 130
	ChunkForwardTSN       byte = 192
)

// SCTPPort is the port both ends of tgcalls' signalling association use
// (SignalingSctpConnection: Start(5000, 5000, 262144)).
const SCTPPort = 5000

// PPIDBinary is the payload protocol identifier of the signalling user
// messages (WebRTC binary, 53; tgcalls sends DataMessageType::kBinary).
const PPIDBinary = 53

// ErrSCTP is returned for bytes that are not a well-formed SCTP packet.
var ErrSCTP = errors.New("signaling: not an SCTP packet")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// SCTPChunk is one chunk of an SCTP packet; Value excludes the 4-byte chunk
// header and the padding.
type SCTPChunk struct {
	Type  byte
	Flags byte
	Value []byte
}

// SCTPPacket is a parsed SCTP packet (common header and chunks).
type SCTPPacket struct {
	SrcPort, DstPort uint16
	Tag              uint32 // verification tag
	Chunks           []SCTPChunk
}

// SCTPChecksum is the CRC32c of an SCTP packet with its checksum field taken
// as zero, in the byte order the packet carries it (little-endian on the
// wire, as RFC 9260 Appendix B computes it).
func SCTPChecksum(pkt []byte) uint32 {
	if len(pkt) < 12 {
		return 0
	}
	h := crc32.New(castagnoli)
	h.Write(pkt[:8])
	h.Write([]byte{0, 0, 0, 0})
	h.Write(pkt[12:])
	return h.Sum32()
}

// ParseSCTP parses an SCTP packet and checks its CRC32c and chunk framing.
// Values alias b.
func ParseSCTP(b []byte) (SCTPPacket, error) {
	var p SCTPPacket
	if len(b) < 12+4 {
		return p, fmt.Errorf("%w: %d bytes", ErrSCTP, len(b))
	}
	if got, want := binary.LittleEndian.Uint32(b[8:12]), SCTPChecksum(b); got != want {
		return p, fmt.Errorf("%w: checksum %08x, want %08x", ErrSCTP, got, want)
	}
	p.SrcPort = binary.BigEndian.Uint16(b[0:2])
	p.DstPort = binary.BigEndian.Uint16(b[2:4])
	p.Tag = binary.BigEndian.Uint32(b[4:8])
	if p.SrcPort == 0 || p.DstPort == 0 {
		return p, fmt.Errorf("%w: port 0", ErrSCTP)
	}
	rest := b[12:]
	for len(rest) > 0 {
		if len(rest) < 4 {
			return p, fmt.Errorf("%w: %d trailing bytes", ErrSCTP, len(rest))
		}
		n := int(binary.BigEndian.Uint16(rest[2:4]))
		if n < 4 || n > len(rest) {
			return p, fmt.Errorf("%w: chunk length %d of %d", ErrSCTP, n, len(rest))
		}
		p.Chunks = append(p.Chunks, SCTPChunk{Type: rest[0], Flags: rest[1], Value: rest[4:n]})
		padded := (n + 3) &^ 3
		if padded > len(rest) {
			padded = len(rest) // the last chunk's padding may be left out
		}
		rest = rest[padded:]
	}
	return p, nil
}

// IsSCTP reports whether b is a well-formed SCTP packet between tgcalls'
// signalling ports with a valid CRC32c. An EncryptedConnection packet passes
// with probability about 2⁻³².
func IsSCTP(b []byte) bool {
	p, err := ParseSCTP(b)
	return err == nil && p.SrcPort == SCTPPort && p.DstPort == SCTPPort
}

// DataChunk is the parsed value of a DATA chunk.
type DataChunk struct {
	TSN      uint32
	Stream   uint16
	SSN      uint16
	PPID     uint32
	Begin    bool // B flag: first fragment
	End      bool // E flag: last fragment
	Unorder  bool // U flag
	UserData []byte
}

// ParseData reads a DATA chunk.
func ParseData(c SCTPChunk) (DataChunk, error) {
	if c.Type != ChunkData || len(c.Value) < 12 {
		return DataChunk{}, fmt.Errorf("%w: DATA chunk of %d bytes", ErrSCTP, len(c.Value))
	}
	v := c.Value
	return DataChunk{
		TSN:      binary.BigEndian.Uint32(v[0:4]),
		Stream:   binary.BigEndian.Uint16(v[4:6]),
		SSN:      binary.BigEndian.Uint16(v[6:8]),
		PPID:     binary.BigEndian.Uint32(v[8:12]),
		Unorder:  c.Flags&4 != 0,
		Begin:    c.Flags&2 != 0,
		End:      c.Flags&1 != 0,
		UserData: v[12:],
	}, nil
}

// InitChunk is the fixed part of an INIT or INIT ACK chunk.
type InitChunk struct {
	InitiateTag uint32
	ARwnd       uint32
	OutStreams  uint16
	InStreams   uint16
	InitialTSN  uint32
	Params      []byte
}

// ParseInit reads an INIT or INIT ACK chunk.
func ParseInit(c SCTPChunk) (InitChunk, error) {
	if (c.Type != ChunkInit && c.Type != ChunkInitAck) || len(c.Value) < 16 {
		return InitChunk{}, fmt.Errorf("%w: INIT chunk of %d bytes", ErrSCTP, len(c.Value))
	}
	v := c.Value
	return InitChunk{
		InitiateTag: binary.BigEndian.Uint32(v[0:4]),
		ARwnd:       binary.BigEndian.Uint32(v[4:8]),
		OutStreams:  binary.BigEndian.Uint16(v[8:10]),
		InStreams:   binary.BigEndian.Uint16(v[10:12]),
		InitialTSN:  binary.BigEndian.Uint32(v[12:16]),
		Params:      v[16:],
	}, nil
}

// SackChunk is the parsed value of a SACK chunk.
type SackChunk struct {
	CumTSN uint32
	ARwnd  uint32
	Gaps   [][2]uint16 // gap ack blocks, offsets from CumTSN
	Dups   []uint32
}

// ParseSack reads a SACK chunk.
func ParseSack(c SCTPChunk) (SackChunk, error) {
	v := c.Value
	if c.Type != ChunkSack || len(v) < 12 {
		return SackChunk{}, fmt.Errorf("%w: SACK chunk of %d bytes", ErrSCTP, len(v))
	}
	s := SackChunk{CumTSN: binary.BigEndian.Uint32(v[0:4]), ARwnd: binary.BigEndian.Uint32(v[4:8])}
	nGaps, nDups := int(binary.BigEndian.Uint16(v[8:10])), int(binary.BigEndian.Uint16(v[10:12]))
	if len(v) != 12+4*nGaps+4*nDups {
		return SackChunk{}, fmt.Errorf("%w: SACK length %d for %d gaps, %d dups", ErrSCTP, len(v), nGaps, nDups)
	}
	for i := 0; i < nGaps; i++ {
		o := 12 + 4*i
		s.Gaps = append(s.Gaps, [2]uint16{binary.BigEndian.Uint16(v[o:]), binary.BigEndian.Uint16(v[o+2:])})
	}
	for i := 0; i < nDups; i++ {
		s.Dups = append(s.Dups, binary.BigEndian.Uint32(v[12+4*nGaps+4*i:]))
	}
	return s, nil
}

// MarshalSCTP builds an SCTP packet from chunks and fills in its CRC32c.
func MarshalSCTP(p SCTPPacket) []byte {
	b := make([]byte, 12, 12+64)
	binary.BigEndian.PutUint16(b[0:], p.SrcPort)
	binary.BigEndian.PutUint16(b[2:], p.DstPort)
	binary.BigEndian.PutUint32(b[4:], p.Tag)
	for _, c := range p.Chunks {
		b = append(b, c.Type, c.Flags, 0, 0)
		binary.BigEndian.PutUint16(b[len(b)-2:], uint16(4+len(c.Value)))
		b = append(b, c.Value...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
	}
	binary.LittleEndian.PutUint32(b[8:], SCTPChecksum(b))
	return b
}
