package wire

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// Packet types (spec §3).
const (
	TypeInit           uint8 = 1
	TypeInitAck        uint8 = 2
	TypeStreamState    uint8 = 3
	TypeStreamData     uint8 = 4
	TypePing           uint8 = 6
	TypePong           uint8 = 7
	TypeStreamDataX2   uint8 = 8
	TypeStreamDataX3   uint8 = 9
	TypeLANEndpoint    uint8 = 10
	TypeNetworkChanged uint8 = 11
	TypeNop            uint8 = 14
	TypeStreamEC       uint8 = 17
)

// Extra types (spec §3).
const (
	ExtraStreamFlags    uint8 = 1
	ExtraLANEndpoint    uint8 = 3
	ExtraNetworkChanged uint8 = 4
	ExtraGroupCallKey   uint8 = 5
	ExtraRequestGroup   uint8 = 6
	ExtraIPv6Endpoint   uint8 = 7
)

// Protocol constants we speak.
const (
	ProtocolVersion           = 9
	MinProtocolVersion        = 3
	CodecOpus          uint32 = 0x4f505553 // 'OPUS' little-endian fourcc
	HeaderLen                 = 14
)

// Extra is one header extra.
type Extra struct {
	Type uint8
	Data []byte
}

// Packet is one decrypted inner packet.
type Packet struct {
	Type    uint8
	AckID   uint32
	Seq     uint32
	AckMask uint32
	Extras  []Extra
	Payload []byte
}

// ParsePacket parses an inner packet. Payload and extras alias b.
func ParsePacket(b []byte) (Packet, error) {
	var p Packet
	if len(b) < HeaderLen {
		return p, fmt.Errorf("inner packet of %d bytes: %w", len(b), ErrShort)
	}
	p.Type = b[0]
	p.AckID = binary.LittleEndian.Uint32(b[1:])
	p.Seq = binary.LittleEndian.Uint32(b[5:])
	p.AckMask = binary.LittleEndian.Uint32(b[9:])
	xflags := b[13]
	rest := b[HeaderLen:]
	if xflags&1 != 0 {
		if len(rest) < 1 {
			return p, fmt.Errorf("extras count: %w", ErrShort)
		}
		n := int(rest[0])
		rest = rest[1:]
		for i := 0; i < n; i++ {
			if len(rest) < 1 || rest[0] < 1 || len(rest) < 1+int(rest[0]) {
				return p, fmt.Errorf("extra %d of %d: %w", i, n, ErrMalformed)
			}
			l := int(rest[0])
			p.Extras = append(p.Extras, Extra{Type: rest[1], Data: rest[2 : 1+l]})
			rest = rest[1+l:]
		}
	}
	p.Payload = rest
	return p, nil
}

// AppendPacket appends the wire form of p.
func AppendPacket(dst []byte, p Packet) []byte {
	dst = append(dst, p.Type)
	dst = binary.LittleEndian.AppendUint32(dst, p.AckID)
	dst = binary.LittleEndian.AppendUint32(dst, p.Seq)
	dst = binary.LittleEndian.AppendUint32(dst, p.AckMask)
	if len(p.Extras) == 0 {
		dst = append(dst, 0)
		return append(dst, p.Payload...)
	}
	dst = append(dst, 1, byte(len(p.Extras)))
	for _, e := range p.Extras {
		dst = append(dst, byte(1+len(e.Data)), e.Type)
		dst = append(dst, e.Data...)
	}
	return append(dst, p.Payload...)
}

// Init is the INIT payload.
type Init struct {
	ProtocolVersion    int32
	MinProtocolVersion int32
	Flags              uint32
	AudioCodecs        []uint32
	VideoDecoders      []uint32
	MaxVideoRes        uint8
}

// ParseInit parses an INIT payload.
func ParseInit(b []byte) (Init, error) {
	var in Init
	if len(b) < 13 {
		return in, fmt.Errorf("init: %w", ErrShort)
	}
	in.ProtocolVersion = int32(binary.LittleEndian.Uint32(b))
	in.MinProtocolVersion = int32(binary.LittleEndian.Uint32(b[4:]))
	in.Flags = binary.LittleEndian.Uint32(b[8:])
	b = b[12:]
	var err error
	if in.AudioCodecs, b, err = fourccs(b); err != nil {
		return in, fmt.Errorf("init audio codecs: %w", err)
	}
	if len(b) == 0 {
		return in, nil // pre-video peers stop here
	}
	if in.VideoDecoders, b, err = fourccs(b); err != nil {
		return in, fmt.Errorf("init video decoders: %w", err)
	}
	if len(b) < 1 {
		return in, fmt.Errorf("init max video res: %w", ErrShort)
	}
	in.MaxVideoRes = b[0]
	return in, nil
}

func fourccs(b []byte) ([]uint32, []byte, error) {
	if len(b) < 1 {
		return nil, b, ErrShort
	}
	n := int(b[0])
	b = b[1:]
	if len(b) < 4*n {
		return nil, b, ErrShort
	}
	out := make([]uint32, n)
	for i := range out {
		out[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return out, b[4*n:], nil
}

// AppendInit appends an INIT payload.
func AppendInit(dst []byte, in Init) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(in.ProtocolVersion))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(in.MinProtocolVersion))
	dst = binary.LittleEndian.AppendUint32(dst, in.Flags)
	dst = append(dst, byte(len(in.AudioCodecs)))
	for _, c := range in.AudioCodecs {
		dst = binary.LittleEndian.AppendUint32(dst, c)
	}
	dst = append(dst, byte(len(in.VideoDecoders)))
	for _, c := range in.VideoDecoders {
		dst = binary.LittleEndian.AppendUint32(dst, c)
	}
	return append(dst, in.MaxVideoRes)
}

// StreamDesc describes one stream in INIT_ACK.
type StreamDesc struct {
	ID            uint8
	Type          uint8 // 1 audio
	Codec         uint32
	FrameDuration uint16 // ms
	Enabled       bool
}

// InitAck is the INIT_ACK payload.
type InitAck struct {
	ProtocolVersion    int32
	MinProtocolVersion int32
	Streams            []StreamDesc
}

// ParseInitAck parses an INIT_ACK payload.
func ParseInitAck(b []byte) (InitAck, error) {
	var a InitAck
	if len(b) < 9 {
		return a, fmt.Errorf("init-ack: %w", ErrShort)
	}
	a.ProtocolVersion = int32(binary.LittleEndian.Uint32(b))
	a.MinProtocolVersion = int32(binary.LittleEndian.Uint32(b[4:]))
	n := int(b[8])
	b = b[9:]
	if len(b) < 9*n {
		return a, fmt.Errorf("init-ack %d streams: %w", n, ErrShort)
	}
	for i := 0; i < n; i++ {
		s := b[9*i:]
		a.Streams = append(a.Streams, StreamDesc{ID: s[0], Type: s[1],
			Codec: binary.LittleEndian.Uint32(s[2:]), FrameDuration: binary.LittleEndian.Uint16(s[6:]), Enabled: s[8] != 0})
	}
	return a, nil
}

// AppendInitAck appends an INIT_ACK payload.
func AppendInitAck(dst []byte, a InitAck) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(a.ProtocolVersion))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(a.MinProtocolVersion))
	dst = append(dst, byte(len(a.Streams)))
	for _, s := range a.Streams {
		dst = append(dst, s.ID, s.Type)
		dst = binary.LittleEndian.AppendUint32(dst, s.Codec)
		dst = binary.LittleEndian.AppendUint16(dst, s.FrameDuration)
		en := byte(0)
		if s.Enabled {
			en = 1
		}
		dst = append(dst, en)
	}
	return dst
}

// STREAM_DATA flag bits.
const (
	streamLen16   = 0x40
	lenExtraFEC   = 0x2000
	lenFragmented = 0x4000
	lenKeyframe   = 0x8000
	MaxExtraFEC   = 4
)

// StreamData is a STREAM_DATA payload.
type StreamData struct {
	StreamID   uint8
	PTS        uint32 // ms
	Keyframe   bool
	Fragmented bool
	Data       []byte
	// ExtraFEC holds up to 4 redundant Opus packets (extra-EC mode), oldest
	// first: as libtgvoip 2.4.4 writes and files them, copy j of k is of the
	// frame at PTS−(k−1−j)·60 ms, so the last copy is of this packet's own
	// frame (spec telegram-calls.md §4.7).
	ExtraFEC [][]byte
}

// ParseStreamData parses a STREAM_DATA payload; Data and ExtraFEC alias b.
func ParseStreamData(b []byte) (StreamData, error) {
	var s StreamData
	if len(b) < 2 {
		return s, fmt.Errorf("stream data: %w", ErrShort)
	}
	flags := b[0]
	s.StreamID = flags & 0x3f
	var n int
	var extraFEC bool
	if flags&streamLen16 != 0 {
		if len(b) < 3 {
			return s, fmt.Errorf("stream data length: %w", ErrShort)
		}
		l := binary.LittleEndian.Uint16(b[1:])
		n = int(l & 0x7ff)
		extraFEC = l&lenExtraFEC != 0
		s.Fragmented = l&lenFragmented != 0
		s.Keyframe = l&lenKeyframe != 0
		b = b[3:]
	} else {
		n = int(b[1])
		b = b[2:]
	}
	if len(b) < 4+n {
		return s, fmt.Errorf("stream data of %d bytes, need %d: %w", len(b), 4+n, ErrShort)
	}
	s.PTS = binary.LittleEndian.Uint32(b)
	s.Data = b[4 : 4+n]
	b = b[4+n:]
	if extraFEC {
		if len(b) < 1 {
			return s, fmt.Errorf("extra fec count: %w", ErrShort)
		}
		cnt := int(b[0])
		b = b[1:]
		if cnt > MaxExtraFEC {
			return s, fmt.Errorf("%d extra fec packets: %w", cnt, ErrMalformed)
		}
		for i := 0; i < cnt; i++ {
			if len(b) < 1 || len(b) < 1+int(b[0]) {
				return s, fmt.Errorf("extra fec %d: %w", i, ErrShort)
			}
			s.ExtraFEC = append(s.ExtraFEC, b[1:1+int(b[0])])
			b = b[1+int(b[0]):]
		}
	}
	return s, nil
}

// AppendStreamData appends a STREAM_DATA payload, using the 16-bit length form
// when the packet is long or carries flags, as 2.4.4 does.
func AppendStreamData(dst []byte, s StreamData) ([]byte, error) {
	if len(s.Data) > 0x7ff || len(s.ExtraFEC) > MaxExtraFEC {
		return dst, fmt.Errorf("stream data of %d bytes with %d fec: %w", len(s.Data), len(s.ExtraFEC), ErrMalformed)
	}
	for _, f := range s.ExtraFEC {
		if len(f) > 0xff {
			return dst, fmt.Errorf("extra fec of %d bytes: %w", len(f), ErrMalformed)
		}
	}
	long := len(s.Data) > 0xff || s.Keyframe || s.Fragmented || len(s.ExtraFEC) > 0
	if long {
		dst = append(dst, s.StreamID|streamLen16)
		l := uint16(len(s.Data))
		if len(s.ExtraFEC) > 0 {
			l |= lenExtraFEC
		}
		if s.Fragmented {
			l |= lenFragmented
		}
		if s.Keyframe {
			l |= lenKeyframe
		}
		dst = binary.LittleEndian.AppendUint16(dst, l)
	} else {
		dst = append(dst, s.StreamID, byte(len(s.Data)))
	}
	dst = binary.LittleEndian.AppendUint32(dst, s.PTS)
	dst = append(dst, s.Data...)
	if len(s.ExtraFEC) > 0 {
		dst = append(dst, byte(len(s.ExtraFEC)))
		for _, f := range s.ExtraFEC {
			dst = append(dst, byte(len(f)))
			dst = append(dst, f...)
		}
	}
	return dst, nil
}

// ParsePong returns the ping seq a PONG answers.
func ParsePong(b []byte) (uint32, error) {
	if len(b) < 4 {
		return 0, fmt.Errorf("pong: %w", ErrShort)
	}
	return binary.LittleEndian.Uint32(b), nil
}

// StreamFlags is the STREAM_FLAGS extra.
type StreamFlags struct {
	StreamID uint8
	Flags    uint32 // 1 enabled, 4 extra error correction
}

// Stream flag bits.
const (
	StreamFlagEnabled uint32 = 1
	StreamFlagExtraEC uint32 = 4
)

// ParseStreamFlags parses a STREAM_FLAGS extra's data.
func ParseStreamFlags(b []byte) (StreamFlags, error) {
	if len(b) < 5 {
		return StreamFlags{}, fmt.Errorf("stream flags: %w", ErrShort)
	}
	return StreamFlags{StreamID: b[0], Flags: binary.LittleEndian.Uint32(b[1:])}, nil
}

// AppendStreamFlags appends a STREAM_FLAGS extra's data.
func AppendStreamFlags(dst []byte, f StreamFlags) []byte {
	return binary.LittleEndian.AppendUint32(append(dst, f.StreamID), f.Flags)
}

// ParseLANEndpoint parses a LAN_ENDPOINT extra's data.
func ParseLANEndpoint(b []byte) (netip.AddrPort, error) {
	if len(b) < 8 {
		return netip.AddrPort{}, fmt.Errorf("lan endpoint: %w", ErrShort)
	}
	return v4Port(b[:8])
}

// AppendLANEndpoint appends a LAN_ENDPOINT extra's data.
func AppendLANEndpoint(dst []byte, ap netip.AddrPort) []byte {
	ip := ap.Addr().Unmap().As4()
	return binary.LittleEndian.AppendUint32(append(dst, ip[:]...), uint32(ap.Port()))
}

// ParseIPv6Endpoint parses an IPV6_ENDPOINT extra's data.
func ParseIPv6Endpoint(b []byte) (netip.AddrPort, error) {
	if len(b) < 18 {
		return netip.AddrPort{}, fmt.Errorf("ipv6 endpoint: %w", ErrShort)
	}
	return netip.AddrPortFrom(netip.AddrFrom16([16]byte(b[:16])), binary.LittleEndian.Uint16(b[16:])), nil
}

// AppendIPv6Endpoint appends an IPV6_ENDPOINT extra's data.
func AppendIPv6Endpoint(dst []byte, ap netip.AddrPort) []byte {
	ip := ap.Addr().As16()
	return binary.LittleEndian.AppendUint16(append(dst, ip[:]...), ap.Port())
}

// ParseNetworkChanged parses a NETWORK_CHANGED extra's data.
func ParseNetworkChanged(b []byte) (uint32, error) {
	if len(b) < 4 {
		return 0, fmt.Errorf("network changed: %w", ErrShort)
	}
	return binary.LittleEndian.Uint32(b), nil
}
