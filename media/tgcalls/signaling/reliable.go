package signaling

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Sub-message type bytes of the reliable framing (tgcalls EncryptedConnection).
const (
	typeCustom byte = 0x7F // length:uint32 BE ‖ bytes
	typeAck    byte = 0xFF // acknowledges the full seq in front of it
	typeEmpty  byte = 0xFE // service packet head
)

// Timing of the reliable framing (tgcalls DelayIntervalsByType, signalling).
const (
	// ResendInterval is the minimum time between two sends of an unacked message.
	ResendInterval = 3 * time.Second
	// maxPacketSize is kMaxSignalingPacketSize, msg_key included.
	maxPacketSize = 16 * 1024
	// maxUnacked bounds memory when the peer never acks.
	maxUnacked = 1024
)

// ErrTooLarge is returned for a message that cannot fit in one packet.
var ErrTooLarge = errors.New("signaling: message too large")

// ErrBacklog is returned when too many messages wait for an ack.
var ErrBacklog = errors.New("signaling: too many unacknowledged messages")

type pending struct {
	seq      uint32
	sub      []byte // seq ‖ 0x7F ‖ len ‖ msg, re-sent verbatim
	lastSent time.Time
}

// Conn is one direction pair of the reliable signalling channel (library
// versions 8.0.0 and 9.0.0). Every message is sent with the requires-ack bit,
// kept until acked and re-sent inside later packets; received messages are
// acked and de-duplicated by counter. It is not safe for concurrent use.
type Conn struct {
	cipher    *Cipher
	counter   uint32
	unacked   []pending
	acks      []uint32
	ackNow    bool
	delivered counterWindow
}

// NewConn returns the reliable channel for one side of a call.
func NewConn(key [KeySize]byte, outgoing bool) *Conn {
	return &Conn{cipher: NewCipher(key, outgoing)}
}

func (c *Conn) nextSeq(flags uint32) (uint32, error) {
	if c.counter == counterMask {
		return 0, fmt.Errorf("signaling: outgoing counter exhausted")
	}
	c.counter++
	return c.counter | flags, nil
}

// Send frames msg as a new requires-ack message and returns the packet to
// send now. Pending acks and, when older messages are still unacked, those
// messages ride along in order, as tgcalls does.
func (c *Conn) Send(msg []byte, now time.Time) ([]byte, error) {
	if 16+4+1+4+len(msg) > maxPacketSize {
		return nil, fmt.Errorf("%w: %d bytes", ErrTooLarge, len(msg))
	}
	if len(c.unacked) >= maxUnacked {
		return nil, ErrBacklog
	}
	seq, err := c.nextSeq(requiresAckBit)
	if err != nil {
		return nil, err
	}
	sub := make([]byte, 0, 9+len(msg))
	sub = binary.BigEndian.AppendUint32(sub, seq)
	sub = append(sub, typeCustom)
	sub = binary.BigEndian.AppendUint32(sub, uint32(len(msg)))
	sub = append(sub, msg...)

	if len(c.unacked) == 0 {
		c.unacked = append(c.unacked, pending{seq: seq, sub: sub, lastSent: now})
		return c.cipher.Seal(c.appendAdditional(append([]byte(nil), sub...), now, false)), nil
	}
	// Older messages are unacked: all of them go out in order behind an
	// empty head, so the peer never sees a later message without the earlier.
	c.unacked = append(c.unacked, pending{seq: seq, sub: sub})
	return c.service(now, true)
}

// Poll returns the packets due at now: acks for messages just received and
// re-sends of messages unacked for ResendInterval.
func (c *Conn) Poll(now time.Time) ([][]byte, error) {
	due := c.ackNow && len(c.acks) > 0
	for _, p := range c.unacked {
		if now.Sub(p.lastSent) >= ResendInterval {
			due = true
			break
		}
	}
	if !due {
		return nil, nil
	}
	pkt, err := c.service(now, false)
	if err != nil {
		return nil, err
	}
	return [][]byte{pkt}, nil
}

// NextResend is when Poll will next have a re-send to make; zero when nothing
// is unacked.
func (c *Conn) NextResend() time.Time {
	var t time.Time
	for _, p := range c.unacked {
		if d := p.lastSent.Add(ResendInterval); t.IsZero() || d.Before(t) {
			t = d
		}
	}
	return t
}

// Unacked reports how many sent messages still wait for an ack.
func (c *Conn) Unacked() int { return len(c.unacked) }

func (c *Conn) service(now time.Time, force bool) ([]byte, error) {
	seq, err := c.nextSeq(0)
	if err != nil {
		return nil, err
	}
	head := binary.BigEndian.AppendUint32(make([]byte, 0, 64), seq)
	head = append(head, typeEmpty)
	return c.cipher.Seal(c.appendAdditional(head, now, force)), nil
}

// appendAdditional appends pending acks, then the unacked messages that are
// due (all of them when force), while they fit in one packet.
func (c *Conn) appendAdditional(buf []byte, now time.Time, force bool) []byte {
	n := 0
	for _, seq := range c.acks {
		if 16+len(buf)+5 > maxPacketSize {
			break
		}
		buf = binary.BigEndian.AppendUint32(buf, seq)
		buf = append(buf, typeAck)
		n++
	}
	c.acks = c.acks[n:]
	c.ackNow = len(c.acks) > 0
	for i := range c.unacked {
		p := &c.unacked[i]
		if p.seq == binary.BigEndian.Uint32(buf) {
			continue // the packet's own first message
		}
		if !force && !p.lastSent.IsZero() && now.Sub(p.lastSent) < ResendInterval {
			break
		}
		if 16+len(buf)+len(p.sub) > maxPacketSize {
			break
		}
		buf = append(buf, p.sub...)
		p.lastSent = now
	}
	return buf
}

// Receive opens a packet, processes the acks in it and returns the new
// messages it carries, in order. Messages seen before are acked again (our
// earlier ack may have been lost) but not returned.
func (c *Conn) Receive(packet []byte) ([][]byte, error) {
	plain, err := c.cipher.Open(packet)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	seq := binary.BigEndian.Uint32(plain)
	rest := plain[4:]
	for index := 0; ; index++ {
		if len(rest) == 0 {
			return out, fmt.Errorf("%w: missing type", ErrMalformed)
		}
		if seq&singleMessageBit != 0 && index > 0 {
			return out, fmt.Errorf("%w: single-message bit in message %d", ErrMalformed, index)
		}
		typ := rest[0]
		rest = rest[1:]
		switch typ {
		case typeEmpty:
		case typeAck:
			c.ack(seq)
		case typeCustom:
			if len(rest) < 4 {
				return out, fmt.Errorf("%w: truncated length", ErrMalformed)
			}
			n := binary.BigEndian.Uint32(rest)
			rest = rest[4:]
			if uint64(n) > uint64(len(rest)) {
				return out, fmt.Errorf("%w: length %d > %d", ErrMalformed, n, len(rest))
			}
			body := rest[:n]
			rest = rest[n:]
			if seq&requiresAckBit != 0 {
				c.acks = append(c.acks, seq)
				c.ackNow = true
			}
			if c.delivered.register(counterOf(seq)) {
				out = append(out, append([]byte(nil), body...))
			}
		default:
			return out, fmt.Errorf("%w: type 0x%02x", ErrMalformed, typ)
		}
		if len(rest) == 0 {
			return out, nil
		}
		if seq&singleMessageBit != 0 {
			return out, fmt.Errorf("%w: trailing bytes after single message", ErrMalformed)
		}
		if len(rest) < 5 {
			return out, fmt.Errorf("%w: %d trailing bytes", ErrMalformed, len(rest))
		}
		seq = binary.BigEndian.Uint32(rest)
		rest = rest[4:]
	}
}

// ack drops our message with exactly this seq (flags included, as tgcalls
// compares them).
func (c *Conn) ack(seq uint32) {
	for i, p := range c.unacked {
		if p.seq == seq {
			c.unacked = append(c.unacked[:i], c.unacked[i+1:]...)
			return
		}
	}
}
