package signaling

import (
	"errors"
	"time"
)

// Transport is one framing of the signalling channel: what turns JSON
// messages into the byte strings carried by phone.sendSignalingData /
// updatePhoneCallSignalingData and back. One Transport serves one call; it is
// not safe for concurrent use (the engine's call goroutine owns it).
//
// The engine loop is the same for every framing:
//
//	pkts, err := t.Send(msg, now)        // a message to send: hand pkts to sendSignalingData
//	msgs, err := t.Receive(data, now)    // data from updatePhoneCallSignalingData: handle msgs in order
//	pkts, err := t.Poll(now)             // when now ≥ t.NextPoll() or t.Wake() fired: send pkts
//	msgs, err := t.Receive(nil, now)     // after t.Wake() fired: messages that completed on their own
//
// The pure framings (Raw, Reliable) do nothing on their own: Wake is nil and
// Receive(nil) returns nothing. The SCTP framing (package sigsctp) runs pion's
// association on its own goroutines and signals Wake when it has packets or
// messages ready.
type Transport interface {
	// Send frames one message and returns the packets to send now (possibly
	// none: a transport may hold the message until it can send it).
	Send(msg []byte, now time.Time) ([][]byte, error)
	// Receive takes one packet from the peer (nil: none, only collect what
	// completed since) and returns the complete messages, decompressed, in
	// order. A packet the framing cannot use returns an error and no messages;
	// the caller logs it and carries on.
	Receive(packet []byte, now time.Time) ([][]byte, error)
	// Poll returns the packets due at now: acks, resends, protocol replies.
	Poll(now time.Time) ([][]byte, error)
	// NextPoll is when Poll will next have something to send by the clock;
	// zero when nothing is scheduled.
	NextPoll() time.Time
	// Wake is signalled when Poll or Receive(nil) has something without a
	// clock deadline; nil (never ready in a select) for the pure framings.
	Wake() <-chan struct{}
	// Close releases the transport; later calls return ErrClosed.
	Close() error
}

// ErrClosed is returned by a closed Transport.
var ErrClosed = errors.New("signaling: transport closed")

// Mapping is how a peer frames its signalling.
type Mapping int

// Mappings tgcalls uses (spec §6.1, §6.2).
const (
	// MappingUnknown: not decided (yet).
	MappingUnknown Mapping = iota
	// MappingRaw: one encrypted message per packet, no acks (7.0.0 = V1;
	// 12/13 with network_signaling_nosctp, then gzip).
	MappingRaw
	// MappingReliable: EncryptedConnection messages with acks and resends
	// (8.0.0; 9.0.0 from tgcalls 2025 / Desktop ≥ 4.9; 10.0.0).
	MappingReliable
	// MappingSCTP: cleartext SCTP packets carrying encrypted gzip messages
	// (9.0.0 from tgcalls 2024 / Desktop ≤ 4.8 / Android; 11.0.0; 12/13).
	MappingSCTP
)

func (m Mapping) String() string {
	switch m {
	case MappingRaw:
		return "raw"
	case MappingReliable:
		return "reliable"
	case MappingSCTP:
		return "sctp"
	default:
		return "unknown"
	}
}

// Reliable is the Transport of the reliable framing (library versions 8.0.0,
// 9.0.0 as tgcalls 2025 speaks it, 10.0.0): Conn with the common interface.
type Reliable struct {
	conn    *Conn
	lastNow time.Time
	closed  bool
}

// NewReliable returns the reliable framing for one side of a call.
func NewReliable(key [KeySize]byte, outgoing bool) *Reliable {
	return &Reliable{conn: NewConn(key, outgoing)}
}

// Conn is the underlying reliable channel.
func (r *Reliable) Conn() *Conn { return r.conn }

// Send implements Transport: one packet carrying msg (and pending acks and
// unacked older messages).
func (r *Reliable) Send(msg []byte, now time.Time) ([][]byte, error) {
	if r.closed {
		return nil, ErrClosed
	}
	r.lastNow = now
	pkt, err := r.conn.Send(msg, now)
	if err != nil {
		return nil, err
	}
	return [][]byte{pkt}, nil
}

// Receive implements Transport. The acks it owes go out on the next Poll,
// which NextPoll schedules for now.
func (r *Reliable) Receive(packet []byte, now time.Time) ([][]byte, error) {
	if r.closed {
		return nil, ErrClosed
	}
	r.lastNow = now
	if packet == nil {
		return nil, nil
	}
	return r.conn.Receive(packet)
}

// Poll implements Transport.
func (r *Reliable) Poll(now time.Time) ([][]byte, error) {
	if r.closed {
		return nil, ErrClosed
	}
	r.lastNow = now
	return r.conn.Poll(now)
}

// NextPoll implements Transport: the time of the last call when acks are
// owed, else the next resend.
func (r *Reliable) NextPoll() time.Time {
	if r.closed {
		return time.Time{}
	}
	if r.conn.ackNow && len(r.conn.acks) > 0 {
		return r.lastNow
	}
	return r.conn.NextResend()
}

// Wake implements Transport: nil, the reliable framing has no goroutines.
func (r *Reliable) Wake() <-chan struct{} { return nil }

// Close implements Transport.
func (r *Reliable) Close() error {
	r.closed = true
	return nil
}
