package tgcalls

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Telegram's reflectors as tgcalls' ReflectorPort speaks to them (spec §6.4;
// tgcalls v2/ReflectorPort.cpp, v2/RawTcpSocket.cpp). A port's 16-byte tag is
// the call's peer tag with its last 4 bytes replaced by a random non-zero
// "port tag" (a uint32 in the host's little-endian order); the reflector
// forwards a data packet to whoever registered the 16-byte target tag.
//
//	UDP hello (every 0.5 s until answered, then every 10 s):
//	    tag(16) ‖ FF×12 ‖ FE FF FF FF ‖ uint64 BE 123            (40 bytes)
//	TCP hello (on connect, then every 10 s):
//	    tag(16) ‖ 00 00 00 00                                      (20 bytes)
//	data:
//	    tag[:12] ‖ to(4, LE) ‖ from(4, LE) ‖ length uint32 BE ‖ payload ‖ zeros to a multiple of 4
//	TCP stream: EE EE EE EE once, then per packet uint32 LE length ‖ packet
//
// Anything from the reflector whose first 12 bytes are the call's makes the
// port ready; packets with FF×12 after the tag are the reflector's own and
// carry no data. The port is advertised as a relay candidate on the host
// "reflector-<server id>-<port tag in decimal>.reflector", port = the
// reflector's port.
const (
	reflectorTagLen    = 16
	reflectorHelloLen  = 40
	reflectorTCPHello  = 20
	reflectorDataHead  = 24 // tag ‖ from ‖ length
	reflectorHostHead  = "reflector-"
	reflectorHostTail  = ".reflector"
	reflectorQueryID   = 123
	reflectorMaxPacket = 64 * 1024 // RawTcpSocket's kMaxPacketSize
)

// reflectorTCPPrologue opens a TCP connection to a reflector (MTProto's
// "intermediate" transport marker, written once).
var reflectorTCPPrologue = []byte{0xee, 0xee, 0xee, 0xee}

var (
	errReflectorShort   = errors.New("reflector packet too short")
	errReflectorTag     = errors.New("reflector packet for another call")
	errReflectorLength  = errors.New("reflector data length beyond the packet")
	errReflectorSpecial = errors.New("reflector's own packet")
)

// portTag puts a port's random tag into the call's peer tag.
func portTag(peerTag [16]byte, port uint32) [16]byte {
	binary.LittleEndian.PutUint32(peerTag[12:], port)
	return peerTag
}

// appendReflectorHello is the UDP hello of the port whose tag is tag.
func appendReflectorHello(b []byte, tag [16]byte) []byte {
	b = append(b, tag[:]...)
	for range 12 {
		b = append(b, 0xff)
	}
	b = append(b, 0xfe, 0xff, 0xff, 0xff)
	return binary.BigEndian.AppendUint64(b, reflectorQueryID)
}

// appendReflectorTCPHello is the hello a TCP port sends.
func appendReflectorTCPHello(b []byte, tag [16]byte) []byte {
	b = append(b, tag[:]...)
	return append(b, 0, 0, 0, 0)
}

// appendReflectorData frames payload from port tag from to port tag to.
func appendReflectorData(b []byte, peerTag [16]byte, to, from uint32, payload []byte) []byte {
	b = append(b, peerTag[:12]...)
	b = binary.LittleEndian.AppendUint32(b, to)
	b = binary.LittleEndian.AppendUint32(b, from)
	b = binary.BigEndian.AppendUint32(b, uint32(len(payload)))
	b = append(b, payload...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// parseReflectorPacket reads what a reflector sent a port of the call whose
// peer tag is peerTag: the sender's port tag and payload of a data packet,
// errReflectorSpecial for the reflector's own packets (which still prove it
// is there), or an error for what is not this call's. As ReflectorPort, a
// packet of 16 to 24 bytes with the call's tag is accepted and carries
// nothing.
func parseReflectorPacket(b []byte, peerTag [16]byte) (from uint32, payload []byte, err error) {
	if len(b) < reflectorTagLen {
		return 0, nil, errReflectorShort
	}
	if [12]byte(b[:12]) != [12]byte(peerTag[:12]) {
		return 0, nil, errReflectorTag
	}
	if len(b) <= reflectorDataHead {
		return 0, nil, errReflectorSpecial
	}
	if len(b) >= 28 && isFF(b[16:28]) {
		return 0, nil, errReflectorSpecial
	}
	n := binary.BigEndian.Uint32(b[20:24])
	if uint64(n) > uint64(len(b)-reflectorDataHead) {
		return 0, nil, errReflectorLength
	}
	return binary.LittleEndian.Uint32(b[16:20]), b[reflectorDataHead : reflectorDataHead+int(n)], nil
}

func isFF(b []byte) bool {
	for _, c := range b {
		if c != 0xff {
			return false
		}
	}
	return true
}

// appendReflectorTCPFrame frames one packet on a reflector TCP stream.
func appendReflectorTCPFrame(b, pkt []byte) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(len(pkt)))
	return append(b, pkt...)
}

// readReflectorTCPFrame reads one packet of a reflector TCP stream into buf
// (which must hold reflectorMaxPacket bytes).
func readReflectorTCPFrame(r io.Reader, buf []byte) ([]byte, error) {
	var h [4]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, err
	}
	n := binary.LittleEndian.Uint32(h[:])
	if n > reflectorMaxPacket || int(n) > len(buf) {
		return nil, fmt.Errorf("reflector TCP frame of %d bytes", n)
	}
	if _, err := io.ReadFull(r, buf[:n]); err != nil {
		return nil, err
	}
	return buf[:n], nil
}

// reflectorHost is the candidate host name of port tag tag on server id.
func reflectorHost(id uint8, tag uint32) string {
	return reflectorHostHead + strconv.FormatUint(uint64(id), 10) + "-" + strconv.FormatUint(uint64(tag), 10) + reflectorHostTail
}

// parseReflectorHost reads "reflector-<id>-<tag>.reflector". tgcalls reads
// the tag with an istream (leading decimal digits, 0 refused); this is
// stricter: both numbers must be whole, in range and non-zero.
func parseReflectorHost(host string) (id uint8, tag uint32, err error) {
	rest, ok := strings.CutPrefix(host, reflectorHostHead)
	if !ok {
		return 0, 0, fmt.Errorf("reflector host %q", host)
	}
	rest, ok = strings.CutSuffix(rest, reflectorHostTail)
	if !ok {
		return 0, 0, fmt.Errorf("reflector host %q", host)
	}
	a, b, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, 0, fmt.Errorf("reflector host %q", host)
	}
	i, err := strconv.ParseUint(a, 10, 8)
	if err != nil || i == 0 {
		return 0, 0, fmt.Errorf("reflector host %q: server id", host)
	}
	t, err := strconv.ParseUint(b, 10, 32)
	if err != nil || t == 0 {
		return 0, 0, fmt.Errorf("reflector host %q: tag", host)
	}
	return uint8(i), uint32(t), nil
}
