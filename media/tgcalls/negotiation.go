package tgcalls

import (
	"strconv"
	"strings"

	"github.com/tgphone/tgphone/media/tgcalls/signaling"
)

// negotiation is tgcalls' channel negotiation (v2/ContentNegotiation.cpp,
// ContentNegotiationContext) for the one stream tgphone sends, audio:
//
//   - an offer lists only the offerer's own send stream;
//   - the answer mirrors the offer: the offerer's SSRC, with the codecs the
//     answerer accepts; it never carries the answerer's stream;
//   - the offerer starts its sender only when an answer mirrors its own SSRC;
//   - the answerer starts its receiver on the offerer's SSRC, then offers its
//     own stream (tgcalls calls sendOfferIfNeeded after every remote
//     NegotiateChannels);
//   - glare: when a remote offer meets our pending offer, the caller ignores
//     the remote one and the callee drops its own, answers, and offers again.
//
// The caller sends its first offer once the callee's InitialSetup arrived;
// the callee offers only after answering. It is pure: the engine feeds it
// messages and sends what it returns.
type negotiation struct {
	outgoing bool
	local    signaling.Content // our send stream as we offer it
	// need is true while our stream has no accepted offer (tgcalls'
	// _needNegotiation); pending is the exchange id of our offer in flight.
	need    bool
	pending string
	done    map[string]bool // our exchanges already answered: late copies are not offers
	// send is our stream as the peer's answer accepted it, recv the peer's
	// stream as we answered it; nil until negotiated.
	send *signaling.Content
	recv *signaling.Content
}

func newNegotiation(outgoing bool, local signaling.Content) *negotiation {
	return &negotiation{outgoing: outgoing, local: local, need: true, done: map[string]bool{}}
}

// offer returns our offer when one is due (nothing negotiated yet and no
// offer in flight), under exchange id id; nil otherwise.
func (n *negotiation) offer(id string) *signaling.NegotiateChannels {
	if !n.need || n.pending != "" {
		return nil
	}
	n.pending = id
	return &signaling.NegotiateChannels{ExchangeID: id, Contents: []signaling.Content{n.local}}
}

// remote takes the peer's NegotiateChannels and returns the answer to send,
// or nil when it was an answer or an offer the caller ignores.
func (n *negotiation) remote(m *signaling.NegotiateChannels) *signaling.NegotiateChannels {
	if n.pending != "" {
		if m.ExchangeID == n.pending {
			n.setAnswer(m)
			return nil
		}
		if n.outgoing {
			return nil // glare: the call initiator wins
		}
		n.pending = "" // the callee yields, and offers again after answering
	}
	if n.done[m.ExchangeID] {
		return nil // a copy of an answer we already took: not an offer
	}
	return n.answer(m)
}

func (n *negotiation) setAnswer(m *signaling.NegotiateChannels) {
	n.done[n.pending] = true
	n.pending = ""
	n.need = false
	n.send = nil
	for _, c := range m.Contents {
		if c.Type != "audio" || c.Ssrc != n.local.Ssrc {
			continue
		}
		if _, ok := opusOf(c); !ok {
			continue // accepted without a codec we can send
		}
		c := c
		n.send = &c
		return
	}
}

// answer mirrors the offer: each of the offerer's audio streams we can
// decode, under the offerer's SSRC and payload type ids, with our own codec
// parameters (as libwebrtc's CreateAnswer does) and no header extensions or
// feedback, which tgphone does not implement. The answered stream becomes
// the one we receive (tgcalls replaces _incomingChannels with each answer).
func (n *negotiation) answer(offer *signaling.NegotiateChannels) *signaling.NegotiateChannels {
	ans := &signaling.NegotiateChannels{ExchangeID: offer.ExchangeID, Contents: []signaling.Content{}}
	n.recv = nil
	for _, c := range offer.Contents {
		if c.Type != "audio" || c.Ssrc == n.local.Ssrc {
			continue // video we cannot receive, or our own SSRC offered back
		}
		if _, err := c.SSRC(); err != nil {
			continue
		}
		pt, ok := opusOf(c)
		if !ok {
			continue
		}
		ours, _ := opusOf(n.local)
		pt.Parameters = ours.Parameters
		pt.FeedbackTypes = nil
		mirrored := signaling.Content{Type: "audio", Ssrc: c.Ssrc, SsrcGroups: c.SsrcGroups, PayloadTypes: []signaling.PayloadType{pt}}
		ans.Contents = append(ans.Contents, mirrored)
		if n.recv == nil {
			n.recv = &mirrored
		}
	}
	return ans
}

// opusOf finds the content's Opus payload type (48 kHz, stereo or unset).
func opusOf(c signaling.Content) (signaling.PayloadType, bool) {
	for _, pt := range c.PayloadTypes {
		if strings.EqualFold(pt.Name, "opus") && pt.Clockrate == 48000 && pt.ID >= 0 && pt.ID < 128 {
			return pt, true
		}
	}
	return signaling.PayloadType{}, false
}

// takesShortFrames reports whether we may send 20 ms frames on an accepted
// stream: only when the answer says so (a tgphone answerer puts ptime=20 in
// its codec parameters; tgcalls answers with its own, without it, and gets
// its 60 ms).
func takesShortFrames(c signaling.Content) bool {
	pt, ok := opusOf(c)
	return ok && pt.Parameters[ptimeKey] == strconv.Itoa(int(ptimeShort.Milliseconds()))
}
