package sigsctp

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/tgphone/tgphone/media/tgcalls/signaling"
)

// ErrUndecided is returned by Auto.Receive for a packet that is neither an
// SCTP packet nor a reliable-framing packet under the call key, while the
// peer's framing is not known yet. The packet is dropped.
var ErrUndecided = errors.New("sigsctp: packet of no known framing")

// maxHeard bounds how many messages Auto remembers (as digests) while the
// reliable framing runs and SCTP may still take over; past it, SCTP is given
// up. Another tgphone sends SCTP from its first packet on, so it is heard
// long before this; a Telegram app on the reliable framing never sends SCTP.
const maxHeard = 1024

// Auto is the signalling of library version 9.0.0, which tgcalls releases
// disagree on: tgcalls 2024 (Telegram Desktop ≤ 4.8, Android) speaks SCTP over
// signalling (V3), tgcalls 2025 (Desktop ≥ 4.9) the reliable framing (V2).
// A Telegram app speaks only its own framing and drops the other without a
// trace: tgcalls' SCTP stack drops a reliable packet (its CRC32c does not
// check out), its EncryptedConnection an SCTP packet (its msg_key does not:
// "could not decrypt"). Neither counts the dropped packets against anything,
// and each framing has its own message counter starting at 1, so the peer
// sees one clean stream.
//
// Auto starts undecided and speaks both: its SCTP association sends its INIT
// (retransmitted by pion's timers), and every message goes out as a reliable
// packet at once and is queued on the SCTP stream for when the association is
// up. Both tgcalls variants send on their own from the start (a V3 peer its
// INIT, a V2 peer its InitialSetup or Candidates), so the peer's first packet
// shows its framing whichever side calls:
//
//   - An SCTP packet settles SCTP for good: the reliable framing is dropped.
//   - A reliable packet makes the reliable framing the one Auto reads and
//     answers, but SCTP stays in play: Auto keeps queueing every message on
//     the SCTP stream and its association keeps offering itself, and the
//     first SCTP packet that arrives later still settles SCTP. Only a
//     failed association (pion gives up on its INIT after 8 retransmissions,
//     about four minutes) or maxHeard messages end SCTP.
//
// So SCTP wins whenever the peer speaks it at all. A Telegram app speaks one
// framing only, so Auto follows it (a V2 app sees a few more INITs that it
// drops). Another tgphone sends SCTP from its first packet on and never stops
// while it reads the reliable framing, so two tgphones always end on SCTP,
// whatever the order or loss of their first packets: the side that heard a
// reliable packet first switches when the other side's SCTP reaches it.
//
// A side that switches has already handed on the messages the reliable
// framing carried, and the peer sent those on the SCTP stream too (it queues
// every message there until it settles reliable, which it never does while
// hearing our SCTP). Auto remembers them as a multiset of digests and drops
// one SCTP copy of each, so every message comes out once.
//
// Wake and NextPoll change when the framing does: read them again on every
// turn of the loop.
type Auto struct {
	key      [signaling.KeySize]byte
	outgoing bool
	rel      *signaling.Reliable // nil once SCTP is settled
	sctp     *Transport          // nil once SCTP is out of play
	mapping  signaling.Mapping
	heard    map[[sha256.Size]byte]int // reliable messages the SCTP stream will repeat
	nHeard   int
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

// Mapping is the framing Auto reads: MappingUnknown until the peer's first
// packet, then MappingReliable or MappingSCTP. Reliable may still turn into
// SCTP (see Auto); SCTP is final.
func (a *Auto) Mapping() signaling.Mapping { return a.mapping }

// SCTP is the SCTP transport while it is in play (undecided, chosen, or
// waiting beside the reliable framing); nil once it is out.
func (a *Auto) SCTP() *Transport { return a.sctp }

// settleSCTP drops the reliable framing for good.
func (a *Auto) settleSCTP() {
	a.mapping = signaling.MappingSCTP
	a.rel.Close()
	a.rel = nil
}

// dropSCTP takes SCTP out of play: its association failed or the peer has
// carried too much on the reliable framing to be anything but a V2 app.
func (a *Auto) dropSCTP() {
	a.sctp.Close()
	a.sctp = nil
	a.heard, a.nHeard = nil, 0
}

// Send implements signaling.Transport.
func (a *Auto) Send(msg []byte, now time.Time) ([][]byte, error) {
	if a.closed {
		return nil, signaling.ErrClosed
	}
	if a.rel == nil {
		return a.sctp.Send(msg, now)
	}
	rel, err := a.rel.Send(msg, now)
	if err != nil {
		return nil, err
	}
	if a.sctp == nil {
		return rel, nil
	}
	sct, err := a.sctp.Send(msg, now)
	if err != nil {
		// The association failed without ever hearing from the peer; the
		// reliable framing has the message.
		a.dropSCTP()
		return rel, nil
	}
	return append(sct, rel...), nil
}

// Receive implements signaling.Transport: an SCTP packet settles SCTP, a
// reliable packet makes the reliable framing the one read until then.
func (a *Auto) Receive(packet []byte, now time.Time) ([][]byte, error) {
	if a.closed {
		return nil, signaling.ErrClosed
	}
	if packet != nil && a.rel != nil {
		switch {
		case a.sctp != nil && signaling.IsSCTP(packet):
			a.settleSCTP()
		case a.mapping == signaling.MappingReliable:
			// Anything else goes to the framing being read, which drops
			// what it cannot open.
		default:
			m := signaling.Detect(a.key, a.outgoing, packet)
			if m != signaling.MappingReliable {
				return nil, fmt.Errorf("%w (%v)", ErrUndecided, m)
			}
			a.mapping = m
		}
	}
	switch a.mapping {
	case signaling.MappingSCTP:
		msgs, err := a.sctp.Receive(packet, now)
		return a.unheard(msgs), err
	case signaling.MappingReliable:
		msgs, err := a.rel.Receive(packet, now)
		a.remember(msgs)
		return msgs, err
	}
	return nil, nil
}

// remember notes messages the reliable framing delivered while SCTP is in
// play, so that their SCTP copies can be dropped if SCTP takes over.
func (a *Auto) remember(msgs [][]byte) {
	if a.sctp == nil {
		return
	}
	if a.nHeard+len(msgs) > maxHeard {
		a.dropSCTP()
		return
	}
	if a.heard == nil && len(msgs) > 0 {
		a.heard = make(map[[sha256.Size]byte]int)
	}
	for _, m := range msgs {
		a.heard[sha256.Sum256(m)]++
		a.nHeard++
	}
}

// unheard drops one SCTP copy of each message the reliable framing already
// delivered. The peer sent the same messages in the same order on both
// framings, so any copy of equal bytes is as good as the one that matched.
func (a *Auto) unheard(msgs [][]byte) [][]byte {
	if len(a.heard) == 0 {
		return msgs
	}
	out := msgs[:0]
	for _, m := range msgs {
		d := sha256.Sum256(m)
		if n := a.heard[d]; n > 0 {
			if n == 1 {
				delete(a.heard, d)
			} else {
				a.heard[d] = n - 1
			}
			continue
		}
		out = append(out, m)
	}
	return out
}

// Poll implements signaling.Transport.
func (a *Auto) Poll(now time.Time) ([][]byte, error) {
	if a.closed {
		return nil, signaling.ErrClosed
	}
	if a.rel == nil {
		return a.sctp.Poll(now)
	}
	rel, err := a.rel.Poll(now)
	if err != nil {
		return nil, err
	}
	if a.sctp == nil {
		return rel, nil
	}
	sct, err := a.sctp.Poll(now)
	if err != nil {
		// The association gave up without hearing from the peer (no
		// INIT-ACK ever): no failure of the call, the peer does not speak
		// SCTP.
		a.dropSCTP()
		return rel, nil
	}
	return append(sct, rel...), nil
}

// NextPoll implements signaling.Transport.
func (a *Auto) NextPoll() time.Time {
	if a.rel == nil {
		return time.Time{}
	}
	return a.rel.NextPoll()
}

// Wake implements signaling.Transport.
func (a *Auto) Wake() <-chan struct{} {
	if a.sctp == nil {
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
	if a.rel != nil {
		a.rel.Close()
	}
	if a.sctp != nil {
		return a.sctp.Close()
	}
	return nil
}

var (
	_ signaling.Transport = (*Transport)(nil)
	_ signaling.Transport = (*Auto)(nil)
	_ signaling.Transport = (*signaling.Raw)(nil)
	_ signaling.Transport = (*signaling.Reliable)(nil)
)
