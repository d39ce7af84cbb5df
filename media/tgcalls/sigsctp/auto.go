package sigsctp

import (
	"errors"
	"fmt"
	"time"

	"github.com/tgphone/tgphone/media/tgcalls/signaling"
)

// ErrUndecided is returned by Auto.Receive for a packet that is neither an
// SCTP packet nor a reliable-framing packet under the call key, while the
// peer's framing is not known yet. The packet is dropped.
var ErrUndecided = errors.New("sigsctp: packet of no known framing")

// Auto is the signalling of library version 9.0.0, which tgcalls releases
// disagree on: tgcalls 2024 (Telegram Desktop ≤ 4.8, Android) speaks SCTP over
// signalling (V3), tgcalls 2025 (Desktop ≥ 4.9) the reliable framing (V2).
// Auto starts undecided and follows the peer: the first packet that
// signaling.Detect recognises decides, and the other framing is dropped.
//
// Until then Auto speaks both. Its SCTP association sends its INIT (and
// retransmits it with pion's timers), and every message goes out as a
// reliable packet at once and is queued on the SCTP stream for when the
// association is up. This costs nothing with either peer: a tgcalls V2 peer
// drops our SCTP packets (their msg_key does not check out: "could not
// decrypt"), a tgcalls V3 peer's dcSCTP drops our reliable packets (their
// CRC32c does not check out). Neither counts the dropped packets against
// anything, and each framing has its own message counter starting at 1, so
// the peer sees one clean stream. Both tgcalls variants send on their own
// from the start (a V3 peer its INIT, a V2 peer its InitialSetup or
// Candidates), so a decision comes with the peer's first packet, whichever
// side calls.
//
// Wake and NextPoll change when the decision is made: read them again on
// every turn of the loop.
type Auto struct {
	key      [signaling.KeySize]byte
	outgoing bool
	rel      *signaling.Reliable
	sctp     *Transport
	mapping  signaling.Mapping
	closed   bool
}

// NewAuto starts both framings for one side of a 9.0.0 call.
func NewAuto(key [signaling.KeySize]byte, outgoing bool, cfg Config) *Auto {
	return &Auto{
		key:      key,
		outgoing: outgoing,
		rel:      signaling.NewReliable(key, outgoing),
		sctp:     New(key, outgoing, cfg),
	}
}

// Mapping is the peer's framing, MappingUnknown until its first packet.
func (a *Auto) Mapping() signaling.Mapping { return a.mapping }

// SCTP is the SCTP transport while it is in play (undecided or chosen).
func (a *Auto) SCTP() *Transport {
	if a.mapping == signaling.MappingReliable {
		return nil
	}
	return a.sctp
}

// Send implements signaling.Transport.
func (a *Auto) Send(msg []byte, now time.Time) ([][]byte, error) {
	if a.closed {
		return nil, signaling.ErrClosed
	}
	switch a.mapping {
	case signaling.MappingReliable:
		return a.rel.Send(msg, now)
	case signaling.MappingSCTP:
		return a.sctp.Send(msg, now)
	}
	rel, err := a.rel.Send(msg, now)
	if err != nil {
		return nil, err
	}
	sct, err := a.sctp.Send(msg, now)
	if err != nil {
		return nil, err
	}
	return append(sct, rel...), nil
}

// Receive implements signaling.Transport; the first recognised packet
// decides the framing.
func (a *Auto) Receive(packet []byte, now time.Time) ([][]byte, error) {
	if a.closed {
		return nil, signaling.ErrClosed
	}
	if a.mapping == signaling.MappingUnknown && packet != nil {
		switch m := signaling.Detect(a.key, a.outgoing, packet); m {
		case signaling.MappingSCTP:
			a.mapping = m
			a.rel.Close()
		case signaling.MappingReliable:
			a.mapping = m
			a.sctp.Close()
		default:
			return nil, fmt.Errorf("%w (%v)", ErrUndecided, m)
		}
	}
	switch a.mapping {
	case signaling.MappingReliable:
		return a.rel.Receive(packet, now)
	default:
		return a.sctp.Receive(packet, now)
	}
}

// Poll implements signaling.Transport.
func (a *Auto) Poll(now time.Time) ([][]byte, error) {
	if a.closed {
		return nil, signaling.ErrClosed
	}
	switch a.mapping {
	case signaling.MappingReliable:
		return a.rel.Poll(now)
	case signaling.MappingSCTP:
		return a.sctp.Poll(now)
	}
	rel, err := a.rel.Poll(now)
	if err != nil {
		return nil, err
	}
	// While undecided an SCTP failure (no INIT-ACK ever) is no failure of
	// the call: the peer may speak the reliable framing.
	sct, _ := a.sctp.Poll(now)
	return append(sct, rel...), nil
}

// NextPoll implements signaling.Transport.
func (a *Auto) NextPoll() time.Time {
	if a.mapping == signaling.MappingSCTP {
		return time.Time{}
	}
	return a.rel.NextPoll()
}

// Wake implements signaling.Transport.
func (a *Auto) Wake() <-chan struct{} {
	if a.mapping == signaling.MappingReliable {
		return nil
	}
	return a.sctp.Wake()
}

// Close implements signaling.Transport.
func (a *Auto) Close() error {
	if a.closed {
		return nil
	}
	a.closed = true
	a.rel.Close()
	return a.sctp.Close()
}

var (
	_ signaling.Transport = (*Transport)(nil)
	_ signaling.Transport = (*Auto)(nil)
	_ signaling.Transport = (*signaling.Raw)(nil)
	_ signaling.Transport = (*signaling.Reliable)(nil)
)
