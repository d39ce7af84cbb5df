package calling_test

import (
	"encoding/binary"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/pion/stun/v3"

	"github.com/tgphone/tgphone/internal/netem"
)

// handshakeTrace records, for each datagram an impaired relay proxy
// passed or lost, what it carried — the reflector's hello, a TURN request
// or answer, an ICE check, a DTLS flight's messages, SCTP, RTP — so a call
// that failed to connect can say which handshake packets the loss took.
type handshakeTrace struct {
	start time.Time
	mu    sync.Mutex
	names map[string]string // client address → "reflector c1", "turn c2", …
	lines []string
	media map[string][2]int // per proxy client and direction: RTP/RTCP passed, lost
}

func newHandshakeTrace() *handshakeTrace {
	return &handshakeTrace{start: time.Now(), names: map[string]string{}, media: map[string][2]int{}}
}

// attach traces one proxy; reflector says it fronts a Telegram reflector
// (whose data packets wrap the payload in its own header) rather than a
// TURN server.
func (h *handshakeTrace) attach(p *netem.Proxy, reflector bool) {
	kind := "turn"
	if reflector {
		kind = "reflector"
	}
	p.Trace(func(client net.Addr, toClient bool, b []byte, lost bool) {
		what := describeRelayed(b, reflector)
		h.mu.Lock()
		defer h.mu.Unlock()
		name, ok := h.names[kind+client.String()]
		if !ok {
			n := 0
			for k := range h.names {
				if strings.HasPrefix(k, kind) {
					n++
				}
			}
			name = fmt.Sprintf("%s c%d", kind, n+1)
			h.names[kind+client.String()] = name
		}
		dir := "→"
		if toClient {
			dir = "←"
		}
		if strings.HasSuffix(what, "RTP") || strings.HasSuffix(what, "RTCP") {
			k := name + " " + dir
			m := h.media[k]
			if lost {
				m[1]++
			} else {
				m[0]++
			}
			h.media[k] = m
			return
		}
		fate := "   "
		if lost {
			fate = "LOST"
		}
		h.lines = append(h.lines, fmt.Sprintf("%7.3fs %-4s %s %s %s", time.Since(h.start).Seconds(), fate, name, dir, what))
	})
}

func (h *handshakeTrace) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var b strings.Builder
	for _, l := range h.lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	for k, m := range h.media {
		fmt.Fprintf(&b, "media %s: %d passed, %d lost\n", k, m[0], m[1])
	}
	return b.String()
}

// describeRelayed names what one datagram between a client and a relay
// carries.
func describeRelayed(b []byte, reflector bool) string {
	if reflector {
		switch {
		case len(b) == 40 && allFF(b[16:28]):
			return "reflector hello"
		case len(b) <= 24 || len(b) >= 28 && allFF(b[16:28]):
			return "reflector's answer"
		}
		n := int(binary.BigEndian.Uint32(b[20:24]))
		if n > len(b)-24 {
			return fmt.Sprintf("reflector data, bad length %d", n)
		}
		return describePayload(b[24 : 24+n])
	}
	switch {
	case len(b) >= 4 && b[0] >= 0x40 && b[0] < 0x80:
		n := int(binary.BigEndian.Uint16(b[2:4]))
		if n > len(b)-4 {
			return "ChannelData, bad length"
		}
		return "ChannelData " + describePayload(b[4:4+n])
	case len(b) >= 20 && b[0] < 2:
		m := &stun.Message{Raw: append([]byte(nil), b...)}
		if err := m.Decode(); err != nil {
			return "STUN? " + err.Error()
		}
		if data, err := m.Get(stun.AttrData); err == nil {
			return "TURN " + m.Type.String() + " " + describePayload(data)
		}
		return "TURN " + m.Type.String()
	}
	return fmt.Sprintf("unknown %d bytes", len(b))
}

// describePayload names what the two ends of a call exchanged: an ICE
// check, DTLS records, RTP or RTCP.
func describePayload(b []byte) string {
	switch {
	case len(b) == 0:
		return "empty"
	case b[0] < 2 && len(b) >= 20:
		m := &stun.Message{Raw: append([]byte(nil), b...)}
		if err := m.Decode(); err != nil {
			return "ICE? " + err.Error()
		}
		s := "ICE " + m.Type.String()
		if m.Contains(stun.AttrUseCandidate) {
			s += " USE-CANDIDATE"
		}
		return s
	case b[0] >= 20 && b[0] <= 63:
		return "DTLS " + describeDTLS(b)
	case b[0] >= 128 && b[0] <= 191 && len(b) >= 2:
		if pt := b[1]; pt >= 192 && pt <= 223 {
			return "RTCP"
		}
		return "RTP"
	}
	return fmt.Sprintf("payload? %d bytes", len(b))
}

var dtlsHandshake = map[byte]string{1: "ClientHello", 2: "ServerHello", 3: "HelloVerifyRequest",
	11: "Certificate", 12: "ServerKeyExchange", 13: "CertificateRequest", 14: "ServerHelloDone",
	15: "CertificateVerify", 16: "ClientKeyExchange", 20: "Finished"}

// describeDTLS lists a datagram's DTLS records.
func describeDTLS(b []byte) string {
	var parts []string
	for len(b) >= 13 {
		ct, epoch, n := b[0], binary.BigEndian.Uint16(b[3:5]), int(binary.BigEndian.Uint16(b[11:13]))
		body := b[13:min(len(b), 13+n)]
		switch {
		case ct == 22 && epoch == 0 && len(body) >= 12:
			name := dtlsHandshake[body[0]]
			if name == "" {
				name = fmt.Sprintf("handshake %d", body[0])
			}
			seq := binary.BigEndian.Uint16(body[4:6])
			off := int(body[6])<<16 | int(body[7])<<8 | int(body[8])
			if off != 0 {
				name += fmt.Sprintf("[+%d]", off)
			}
			parts = append(parts, fmt.Sprintf("%s#%d", name, seq))
		case ct == 22:
			parts = append(parts, "Finished(enc)")
		case ct == 20:
			parts = append(parts, "ChangeCipherSpec")
		case ct == 21:
			parts = append(parts, "Alert")
		case ct == 23:
			parts = append(parts, "SCTP")
		default:
			parts = append(parts, fmt.Sprintf("type %d", ct))
		}
		if 13+n > len(b) {
			break
		}
		b = b[13+n:]
	}
	return strings.Join(parts, "+")
}

func allFF(b []byte) bool {
	for _, c := range b {
		if c != 0xff {
			return false
		}
	}
	return true
}
